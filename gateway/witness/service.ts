import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Signer } from '../crypto/sign';
import type { Clock } from '../clock';
import { cosignNoteText, formatVkey, verifierKey, COSIGNATURE_ED25519 } from '../log/note';
import { checkAddCheckpoint, parseAddCheckpoint, Refusal, type WitnessedLog } from './protocol';
import type { WitnessState } from './state';

/**
 * `xgw witness`: a c2sp.org/tlog-witness service in its own process, with its own key
 * and state file. Routes:
 *   POST /add-checkpoint                  the protocol (200 cosignature line, 400/403/404/409/422)
 *   GET  /<sha256(origin) hex>/checkpoint the latest checkpoint it cosigned for a log, cosigned
 *   GET  /vkey                            its cosigner verifier key (text)
 * Requests are decided one at a time: checking the old size and persisting the new
 * checkpoint are one step (the spec's race between two submissions cannot happen).
 */
export interface WitnessOptions {
  /** The witness's name (its note key name), a schema-less URL, e.g. audit.example/witness. */
  name: string;
  signer: Signer;
  state: WitnessState;
  logs: WitnessedLog[];
  clock: Clock;
  /** Largest request body accepted (default 64 KiB). */
  maxBodyBytes?: number;
}

export interface WitnessServer {
  url: string;
  vkey: string;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function witnessVkey(name: string, signer: Signer): string {
  return formatVkey(verifierKey(name, COSIGNATURE_ED25519, signer.publicKey));
}

/** The handler (exported for tests that drive it without a port). */
export function witnessHandler(o: WitnessOptions): http.RequestListener {
  const logs = new Map(o.logs.map((l) => [l.origin, l]));
  const byHash = new Map(o.logs.map((l) => [createHash('sha256').update(l.origin).digest('hex'), l.origin]));
  const vkey = witnessVkey(o.name, o.signer);
  let queue: Promise<unknown> = Promise.resolve();
  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const addCheckpoint = (body: string): { status: number; body: string; type?: string } => {
    try {
      const req = parseAddCheckpoint(body);
      const cp = checkAddCheckpoint(req, logs, (origin) => o.state.latest(origin));
      const text = req.note.slice(0, req.note.lastIndexOf('\n\n') + 1);
      const timestamp = Math.floor(o.clock.now().getTime() / 1000);
      const line = cosignNoteText(o.signer, o.name, text, timestamp);
      o.state.save(cp.origin, { size: cp.size, root: cp.root.toString('base64'), note: req.note + line, cosignedAt: timestamp });
      return { status: 200, body: line };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      if (err.status === 409) return { status: 409, body: `${err.message}\n`, type: 'text/x.tlog.size' };
      return { status: err.status, body: `${err.message}\n` };
    }
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://witness');
    if (req.method === 'POST' && url.pathname === '/add-checkpoint') {
      const run = queue.then(async () => {
        const body = await readBody(req, o.maxBodyBytes ?? MAX_BODY);
        if (body === null) return send(res, 413, 'request body too large\n');
        const out = addCheckpoint(body);
        send(res, out.status, out.body, out.type);
      });
      queue = run.catch((err: Error) => {
        if (!res.headersSent) send(res, 500, `${err.message}\n`);
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/vkey') return send(res, 200, `${vkey}\n`);
    const m = /^\/([0-9a-f]{64})\/checkpoint$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const origin = byHash.get(m[1]!);
      const latest = origin ? o.state.latest(origin) : null;
      return latest ? send(res, 200, latest.note) : send(res, 404, 'no checkpoint cosigned for this log\n');
    }
    send(res, 404, 'not found\n');
  };
}

export function startWitness(o: WitnessOptions, port: number, host = '127.0.0.1'): Promise<WitnessServer> {
  const server = http.createServer(witnessHandler(o));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`,
        vkey: witnessVkey(o.name, o.signer),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
