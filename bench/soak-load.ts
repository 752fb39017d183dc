/**
 * The soak's load (bench/soak.ts): an open-loop mix at fixed rates — pushes (hall → housing),
 * the receiver's inbox pages and an acknowledgement of every message they deliver, and
 * query-enterprise service calls through the mock 市场监管 — issued on a 20 ms tick from
 * credit per kind, over keep-alive HTTP/1.1. A request that would exceed the in-flight cap is
 * not sent and counts as shed (the gateway fell behind the fixed rate): an error in the verdict.
 *
 * A request that fails without an answer on a reused keep-alive socket (ECONNRESET, EPIPE,
 * 'socket hang up': the server closed the idle socket as the request went out) is sent once
 * more, on a new connection, and counted as retried, not as an error (see retryable()).
 */
import http from 'node:http';

export type Kind = 'push' | 'ack' | 'service' | 'page';
export const KINDS: Kind[] = ['push', 'ack', 'service', 'page'];

export interface Rates {
  push: number;
  ack: number;
  service: number;
  page: number;
}

/** What happened in one reporting interval. */
export interface IntervalStats {
  latencies: Record<Kind, number[]>;
  ok: Record<Kind, number>;
  failed: Record<Kind, number>;
  /** Requests sent a second time after their reused keep-alive socket was closed under them (retryable()); not errors unless the second try fails too. */
  retried: Record<Kind, number>;
  shed: number;
  /** The first few failures, as "kind status detail". */
  samples: string[];
}

const perKind = <T>(f: () => T): Record<Kind, T> => ({ push: f(), ack: f(), service: f(), page: f() });
export const emptyStats = (): IntervalStats => ({ latencies: perKind(() => []), ok: perKind(() => 0), failed: perKind(() => 0), retried: perKind(() => 0), shed: 0, samples: [] });

export interface LoadTarget {
  url: string;
  /** The sender's (hall) system token: pushes and service calls. */
  senderToken: string;
  /** The receiver's (housing) system token: inbox pages and acks. */
  receiverToken: string;
  bodyFor(id: string): string;
  runTag: string;
}

export interface Answer {
  status: number;
  body: string;
}

/**
 * How long a keep-alive socket may sit idle in the agent before the agent closes it: well under
 * the gateway's keepAliveTimeout (65 s, gateway/gateway.ts), so it is the client, not the server,
 * that closes an idle socket. Node 20's http.Agent `timeout` is set on every socket that goes back
 * to the free list, and a free socket that times out is destroyed. Without it the agent keeps idle
 * sockets for ever: it reads the server's `Keep-Alive: timeout=65` hint only to lower a timeout
 * that is set. With the default 'lifo' scheduling the sockets at the bottom of the free list are
 * the ones left idle, until a burst (a slow interval) takes them again.
 */
export const IDLE_SOCKET_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Whether a failed request is sent again: only its first try, only on a reused keep-alive socket
 * (Node's `req.reusedSocket`), only before any answer came, and only for the errors of a socket
 * the server closed as the request went out (ECONNRESET, EPIPE, 'socket hang up'), as Node's
 * documentation of `request.reusedSocket` recommends. The server did not read such a request (it
 * closed the socket as idle); and every request here may be sent twice anyway: pushes are
 * idempotent by messageId, a repeated ack gets the same answer, a page only reads, and a
 * query-enterprise call only reads the agency (a second one is recorded as one more call).
 */
export function retryable(err: NodeJS.ErrnoException, o: { reusedSocket: boolean; answered: boolean; attempt: number }): boolean {
  if (o.attempt > 0 || !o.reusedSocket || o.answered) return false;
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up';
}

/** What became of one request: its answer, or the error of its last try; retried when it was sent twice. */
export interface Outcome {
  answer: Answer | null;
  error?: string;
  retried: boolean;
}

/**
 * One request through the keep-alive agent (`agents.reuse`); when retryable() says so, sent once
 * more through `agents.fresh` (no keep-alive), so the second try is on a new connection and cannot
 * meet a stale socket again. `then` is called exactly once.
 */
export function requestWithRetry(
  agents: { reuse: http.Agent; fresh: http.Agent },
  options: http.RequestOptions,
  body: string | null,
  then: (o: Outcome) => void,
  timeoutMs = REQUEST_TIMEOUT_MS,
): void {
  const attempt = (n: number) => {
    let answered = false;
    let finished = false;
    const finish = (answer: Answer | null, error?: string) => {
      if (finished) return;
      finished = true;
      then({ answer, error, retried: n > 0 });
    };
    const req = http.request({ ...options, agent: n === 0 ? agents.reuse : agents.fresh, timeout: timeoutMs }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish(null, e.message));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (finished) return;
      if (retryable(e, { reusedSocket: req.reusedSocket, answered, attempt: n })) {
        finished = true; // this try is over; whatever it still emits is ignored
        attempt(n + 1);
        return;
      }
      finish(null, e.message);
    });
    req.end(body ?? undefined);
  };
  attempt(0);
}

export class SoakLoad {
  private readonly agents = {
    reuse: new http.Agent({ keepAlive: true, maxSockets: 64, timeout: IDLE_SOCKET_MS }),
    fresh: new http.Agent({ keepAlive: false }),
  };
  private readonly base: URL;
  private stats = emptyStats();
  private credit: Rates = { push: 0, ack: 0, service: 0, page: 0 };
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private inFlight = 0;
  private readonly drained: Array<() => void> = [];
  private pushes = 0;
  /** Inbox: the cursor of the last full page, and the ids on the partial page after it already queued for an ack. */
  private cursor: string | null = null;
  private readonly ackQueued = new Set<string>();
  private readonly ackQueue: string[] = [];
  private pageInFlight = false;
  /** Totals over the whole run. */
  readonly totals = { pushOk: 0, requests: 0, retried: 0 };

  constructor(
    private readonly target: LoadTarget,
    private readonly rates: Rates,
    private readonly maxInFlight: number,
  ) {
    this.base = new URL(target.url);
  }

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), 20);
  }

  /** Stops issuing and waits for the requests in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.inFlight) await new Promise<void>((r) => this.drained.push(r));
    this.agents.reuse.destroy();
    this.agents.fresh.destroy();
  }

  /** The interval's figures; a fresh interval starts. */
  take(): IntervalStats {
    const s = this.stats;
    this.stats = emptyStats();
    return s;
  }

  private tick(): void {
    const now = performance.now();
    const dt = (now - this.last) / 1000;
    this.last = now;
    for (const k of KINDS) this.credit[k] += this.rates[k] * dt;
    // Acks follow the pages: credit does not pile up while nothing waits for one.
    if (!this.ackQueue.length) this.credit.ack = Math.min(this.credit.ack, 1);
    for (const k of KINDS) {
      while (this.credit[k] >= 1) {
        this.credit[k] -= 1;
        if (k === 'ack' && !this.ackQueue.length) break;
        if (k === 'page' && this.pageInFlight) continue; // one page at a time, like a real client
        if (this.inFlight >= this.maxInFlight) {
          this.stats.shed++;
          continue;
        }
        this.fire(k);
      }
    }
  }

  private fire(kind: Kind): void {
    const t = this.target;
    if (kind === 'push') {
      const id = `${t.runTag}-${(this.pushes++).toString().padStart(8, '0')}`;
      this.send(kind, 'POST', '/api/v1/messages', t.senderToken, t.bodyFor(id), 202);
    } else if (kind === 'service') {
      this.send(kind, 'POST', '/api/v1/services/amr/query-enterprise', t.senderToken, SERVICE_BODY, 200, SERVICE_HEADERS);
    } else if (kind === 'ack') {
      const id = this.ackQueue.shift()!;
      this.send(kind, 'POST', `/api/v1/messages/${id}/ack`, t.receiverToken, ACK_BODY, 200);
    } else {
      this.pageInFlight = true;
      const q = `/api/v1/inbox?limit=${PAGE}${this.cursor ? `&after=${encodeURIComponent(this.cursor)}` : ''}`;
      this.send(kind, 'GET', q, t.receiverToken, null, 200, {}, (a) => this.onPage(a));
    }
  }

  /** Every delivered message on the page gets one ack; a full page moves the cursor on (a partial one is read again next time). */
  private onPage(a: Answer | null): void {
    this.pageInFlight = false;
    if (!a || a.status !== 200) return;
    const page = JSON.parse(a.body) as { items: Array<{ id: string; status: string }>; next: string | null };
    for (const m of page.items) {
      if (m.status !== 'delivered' || this.ackQueued.has(m.id)) continue;
      this.ackQueued.add(m.id);
      this.ackQueue.push(m.id);
    }
    if (page.next) {
      this.cursor = page.next;
      this.ackQueued.clear();
    }
  }

  private send(kind: Kind, method: string, path: string, token: string, body: string | null, expect: number, extra: Record<string, string> = {}, then?: (a: Answer | null) => void): void {
    this.inFlight++;
    this.totals.requests++;
    const t0 = performance.now();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...extra };
    if (body !== null) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const stats = this.stats;
    requestWithRetry(this.agents, { hostname: this.base.hostname, port: this.base.port, method, path, headers }, body, ({ answer: a, error, retried }) => {
      // Figures go to the interval the request started in (a late answer still counts there); the
      // latency of a retried request runs from its first try.
      const ms = performance.now() - t0;
      if (retried) {
        stats.retried[kind]++;
        this.totals.retried++;
      }
      if (a && a.status === expect) {
        stats.ok[kind]++;
        stats.latencies[kind].push(ms);
        if (kind === 'push') this.totals.pushOk++;
      } else {
        stats.failed[kind]++;
        if (stats.samples.length < 5) stats.samples.push(`${kind} ${a ? `${a.status} ${a.body.slice(0, 200)}` : error}${retried ? ' (after one retry on a new connection)' : ''}`);
      }
      then?.(a);
      if (--this.inFlight === 0) for (const r of this.drained.splice(0)) r();
    });
  }
}

const PAGE = 100;
const ACK_BODY = JSON.stringify({ result: 'accepted' });
const SERVICE_BODY = JSON.stringify({ uscc: '91350100273896412W' });
const SERVICE_HEADERS = { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-SOAK-000001' };
