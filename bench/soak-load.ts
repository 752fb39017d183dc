/**
 * The soak's load (bench/soak.ts): an open-loop mix at fixed rates — pushes (hall → housing),
 * the receiver's inbox pages and an acknowledgement of every message they deliver, and
 * query-enterprise service calls through the mock 市场监管 — issued on a 20 ms tick from
 * credit per kind, over keep-alive HTTP/1.1. A request that would exceed the in-flight cap is
 * not sent and counts as shed (the gateway fell behind the fixed rate): an error in the verdict.
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
  shed: number;
  /** The first few failures, as "kind status detail". */
  samples: string[];
}

const perKind = <T>(f: () => T): Record<Kind, T> => ({ push: f(), ack: f(), service: f(), page: f() });
export const emptyStats = (): IntervalStats => ({ latencies: perKind(() => []), ok: perKind(() => 0), failed: perKind(() => 0), shed: 0, samples: [] });

export interface LoadTarget {
  url: string;
  /** The sender's (hall) system token: pushes and service calls. */
  senderToken: string;
  /** The receiver's (housing) system token: inbox pages and acks. */
  receiverToken: string;
  bodyFor(id: string): string;
  runTag: string;
}

interface Answer {
  status: number;
  body: string;
}

export class SoakLoad {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
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
  readonly totals = { pushOk: 0, requests: 0 };

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
    this.agent.destroy();
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
    let finished = false;
    const done = (a: Answer | null, err?: string) => {
      if (finished) return;
      finished = true;
      // Figures go to the interval the request started in (a late answer still counts there).
      const ms = performance.now() - t0;
      if (a && a.status === expect) {
        stats.ok[kind]++;
        stats.latencies[kind].push(ms);
        if (kind === 'push') this.totals.pushOk++;
      } else {
        stats.failed[kind]++;
        if (stats.samples.length < 5) stats.samples.push(`${kind} ${a ? `${a.status} ${a.body.slice(0, 200)}` : err}`);
      }
      then?.(a);
      if (--this.inFlight === 0) for (const r of this.drained.splice(0)) r();
    };
    const req = http.request({ agent: this.agent, hostname: this.base.hostname, port: this.base.port, method, path, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done(null, e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', (e) => done(null, e.message));
    req.end(body ?? undefined);
  }
}

const PAGE = 100;
const ACK_BODY = JSON.stringify({ result: 'accepted' });
const SERVICE_BODY = JSON.stringify({ uscc: '91350100273896412W' });
const SERVICE_HEADERS = { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-SOAK-000001' };
