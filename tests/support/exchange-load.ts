import fs from 'node:fs';
import path from 'node:path';
import { sampleCaseRecord } from '../fixtures/case-record';
import type { DemoCredentials } from '../../gateway/registry/demo';

/** A push the gateway acknowledged (202 created, or 200 for a retry of a message it had committed). */
export interface Acknowledged {
  messageId: string;
  id: string;
  logIndex: number;
  status: number;
}

/** Any answer that was not a success, or a request that got no answer at all (status 0). */
export interface Refusal {
  what: 'push' | 'pull' | 'ack';
  status: number;
  code: string | null;
  retryAfter: string | null;
}

export interface DemoTokens {
  hall: string;
  housing: string;
}

/** The demo credentials (member tokens, user passwords) `xgw start` wrote into its data directory. */
export function demoCredentials(dataDir: string): DemoCredentials {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials;
}

/** The demo member tokens `xgw start` wrote into its data directory. */
export function demoTokens(dataDir: string): DemoTokens {
  const creds = demoCredentials(dataDir);
  return { hall: creds.members.hall.token, housing: creds.members.housing.token };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One push of a case record from 住建's counterpart hall to housing (pull mode in the demo). */
export async function pushCaseRecord(url: string, token: string, messageId: string): Promise<{ status: number; body: any; headers: Headers }> {
  const record = sampleCaseRecord();
  const res = await fetch(`${url}/api/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ to: 'housing', type: 'case-record', messageId, caseId: record.caseNo, purpose: 'case-handling', payload: record }),
  });
  return { status: res.status, body: await res.json().catch(() => null), headers: res.headers };
}

/**
 * Real clients against a running gateway: `workers` loops each push new messages
 * (retrying a refused one with the same messageId until it is acknowledged, as a
 * client must), and now and then pull the housing inbox and acknowledge what they
 * got. Every acknowledgement and every refusal is recorded for the test to judge.
 */
export class ExchangeLoad {
  readonly acknowledged = new Map<string, Acknowledged>();
  readonly refusals: Refusal[] = [];
  readonly pulled = new Set<string>();
  /** Messages housing has acknowledged (an ack is idempotent; each is sent until it succeeds once). */
  readonly receiverAcknowledged = new Set<string>();
  private stopped = false;
  private aborted: Error | null = null;
  private loops: Promise<void>[] = [];
  private waiters: Array<{ count: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private inboxAfter: string | null = null;

  constructor(
    private readonly url: string,
    private readonly tokens: DemoTokens,
    private readonly prefix: string,
    /** A message not acknowledged within this time fails the load (the gateway did not recover). */
    private readonly giveUpMs = 90_000,
  ) {}

  start(workers: number): void {
    this.stopped = false;
    for (let w = 0; w < workers; w++) this.loops.push(this.loop(w));
  }

  /** Lets every loop finish the message it is on (until acknowledged), then resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** The gateway is gone (its process exited): every loop and every wait ends now, with `reason`. */
  abort(reason: string): void {
    this.aborted = new Error(reason);
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.reject(this.aborted);
  }

  /** Resolves once `n` more messages have been acknowledged than now. */
  progress(n: number): Promise<void> {
    const count = this.acknowledged.size + n;
    return new Promise((resolve, reject) => {
      if (this.aborted) return reject(this.aborted);
      this.waiters.push({ count, resolve, reject });
      this.notify();
    });
  }

  /** Resolves once the gateway has refused at least `n` more requests than now. */
  refused(n: number): Promise<void> {
    const target = this.refusals.length + n;
    return new Promise((resolve, reject) => {
      const check = () => (this.aborted ? reject(this.aborted) : this.refusals.length >= target ? resolve() : setTimeout(check, 50));
      check();
    });
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => (this.acknowledged.size >= w.count ? (w.resolve(), false) : true));
  }

  private refuse(what: Refusal['what'], status: number, body: any, headers: Headers | null): void {
    this.refusals.push({ what, status, code: body?.code ?? null, retryAfter: headers?.get('retry-after') ?? null });
  }

  private async loop(worker: number): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      await this.pushUntilAcknowledged(`${this.prefix}-${worker}-${i}`);
      if (i % 3 === 2) await this.pullAndAcknowledge();
    }
  }

  private async pushUntilAcknowledged(messageId: string): Promise<void> {
    const deadline = Date.now() + this.giveUpMs;
    for (;;) {
      const r = await pushCaseRecord(this.url, this.tokens.hall, messageId).catch(() => null);
      if (r && (r.status === 202 || r.status === 200)) {
        this.acknowledged.set(messageId, { messageId, id: r.body.id, logIndex: r.body.log.index, status: r.status });
        this.notify();
        return;
      }
      this.refuse('push', r?.status ?? 0, r?.body, r?.headers ?? null);
      if (this.aborted) return;
      if (Date.now() > deadline) throw new Error(`push ${messageId} was not acknowledged within ${this.giveUpMs} ms`);
      await pause(200);
    }
  }

  private async pullAndAcknowledge(): Promise<void> {
    const auth = { authorization: `Bearer ${this.tokens.housing}` };
    const query = this.inboxAfter ? `?limit=50&after=${encodeURIComponent(this.inboxAfter)}` : '?limit=50';
    const res = await fetch(`${this.url}/api/v1/inbox${query}`, { headers: auth }).catch(() => null);
    const body = res ? ((await res.json().catch(() => null)) as any) : null;
    if (!res || res.status !== 200) return this.refuse('pull', res?.status ?? 0, body, res?.headers ?? null);
    for (const m of body.items as { id: string }[]) {
      this.pulled.add(m.id);
      if (this.receiverAcknowledged.has(m.id)) continue;
      const ack = await fetch(`${this.url}/api/v1/messages/${m.id}/ack`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ result: 'accepted' }),
      }).catch(() => null);
      if (ack?.status === 200) {
        await ack.arrayBuffer();
        this.receiverAcknowledged.add(m.id);
      } else this.refuse('ack', ack?.status ?? 0, await ack?.json().catch(() => null), ack?.headers ?? null);
    }
    if (body.next) this.inboxAfter = body.next;
  }
}

/** Polls GET /readyz (bounded) until it answers `status`; resolves to the ms it took. */
export async function waitForReadyz(url: string, status: 200 | 503, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
    if (res) await res.arrayBuffer();
    if (res?.status === status) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`/readyz did not answer ${status} within ${withinMs} ms (last: ${res?.status ?? 'no answer'})`);
    await pause(100);
  }
}
