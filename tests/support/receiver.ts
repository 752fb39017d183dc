import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver answers: 'ok' (200), an HTTP status, 'hang' (never answers), or an answer held until `after` settles. */
export type Reply = 'ok' | 'hang' | { status: number; delayMs?: number } | { delayMs: number } | { after: Promise<unknown>; status?: number };

export interface Hit {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:41234/hook */
  url: string;
  hits: Hit[];
  /** Decides the answer per request (default: 'ok'). */
  reply: (hit: Hit) => Reply;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A real HTTP webhook receiver on 127.0.0.1:<random port>: records every request
 * (headers and parsed JSON body) and answers as `reply` says.
 */
export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    hits: [],
    reply: () => 'ok',
    reset() {
      r.hits.length = 0;
      r.reply = () => 'ok';
    },
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const hit: Hit = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body };
      r.hits.push(hit);
      const answer = r.reply(hit);
      if (answer === 'hang') return; // keep the request open: the gateway must time out
      const status = answer === 'ok' || !('status' in answer) ? 200 : answer.status ?? 200;
      const delay = answer === 'ok' || 'after' in answer ? 0 : answer.delayMs ?? 0;
      const send = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: status < 300 }));
      };
      if (answer !== 'ok' && 'after' in answer) answer.after.finally(send);
      else if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  r.url = `http://127.0.0.1:${port}/hook`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return r;
}
