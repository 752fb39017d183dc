/**
 * The push targets: the bare Express echo and the gateway's POST /api/v1/messages, each in
 * its own child process, loaded by autocannon from here; the gateway run ends with the
 * durability check (every acknowledged messageId is in the database).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { prepareDb } from './db';
import { keepProfile } from './profile';
import { cpuWindow, type CpuWindow } from './cpu';
import { cleanups, startTarget } from './children';
import { sampleReceipt } from './receipt';
import { CONNECTIONS, DATABASE_URL, DB_KIND, PROFILE, RUN_TAG, SECONDS, STOP, WARMUP } from './settings';

export interface LoadResult {
  reqPerSec: number;
  /** 2xx answers / window length (a cross-check of reqPerSec). */
  okPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  duration: number;
}

let idCounter = 0;

/**
 * Runs autocannon for `seconds`. Every request carries a unique messageId; the ids that
 * got a 2xx answer are added to `acked` (one request in flight per connection, so the
 * per-connection context names the request a response belongs to).
 */
export async function load(url: string, headers: Record<string, string>, bodyFor: (id: string) => string, seconds: number, acked: Set<string>): Promise<LoadResult> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    headers,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/messages',
        setupRequest: (req, ctx) => {
          const id = `${RUN_TAG}-${++idCounter}`;
          (ctx as { mid?: string }).mid = id;
          req.body = bodyFor(id);
          return req;
        },
        onResponse: (status, _body, ctx) => {
          if (status >= 200 && status < 300) acked.add((ctx as { mid: string }).mid);
        },
      },
    ],
  });
  const codes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) codes[code] = v.count ?? 0;
  return {
    reqPerSec: r.requests.average,
    okPerSec: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: codes,
    duration: r.duration,
  };
}

// ---------------------------------------------------------------- metrics

async function commitBatchStats(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return { sum: pick('xgw_group_commit_batch_size_sum'), count: pick('xgw_group_commit_batch_size_count') };
}

// ---------------------------------------------------------------- targets

export interface TargetResult {
  target: string;
  database?: string;
  load: LoadResult;
  warmup: { reqPerSec: number; ok: number; non2xx: number; errors: number };
  cpu: CpuWindow;
  groupCommit?: { meanBatch: number; commits: number; messages: number; meanBatchInclWarmup: number };
  durability?: {
    stop: 'kill' | 'graceful';
    acknowledged: number;
    ackedFoundInDb: number;
    rowsInMessages: number;
    messageEvents: number;
    deliveries: number;
    /** Rows committed whose answer was not counted (in flight when the window closed). */
    committedNotCounted: number;
    ok: boolean;
  };
  profile?: string;
  /** Bytes of one answer's JSON body (the echo's receipt-sized answer; the push's signed receipt). */
  answerBytes?: number;
}

/**
 * A bare JSON echo on `server`: it parses the same body and answers a receipt-sized JSON
 * (bench/receipt.ts: a real receipt's shape, its SM2 batch signature and proof included).
 */
export async function runEcho(bodyFor: (id: string) => string, server: 'express' | 'node' = 'express'): Promise<TargetResult> {
  const answer = sampleReceipt(`${RUN_TAG}-echo`);
  const t = await startTarget({ kind: 'echo', server, answer });
  try {
    const headers = { 'content-type': 'application/json' };
    const acked = new Set<string>();
    const probe = await fetch(`${t.url}/`, { method: 'POST', headers, body: bodyFor(`${RUN_TAG}-echo-probe`) });
    const answerBytes = Buffer.byteLength(await probe.text());
    const w = await load(t.url, headers, bodyFor, WARMUP, acked);
    const { out, cpu } = await cpuWindow(t, DB_KIND, () => load(t.url, headers, bodyFor, SECONDS, acked));
    return { target: server === 'node' ? 'node-echo' : 'express-echo', load: out, warmup: { reqPerSec: w.reqPerSec, ok: w.ok, non2xx: w.non2xx, errors: w.errors }, cpu, answerBytes };
  } finally {
    await t.stop('graceful');
  }
}

export async function runGateway(bodyFor: (id: string) => string): Promise<TargetResult> {
  const db = await prepareDb(DATABASE_URL, cleanups);
  let profDir: string | undefined;
  try {
    const execArgv: string[] = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
    if (PROFILE) {
      profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-prof-'));
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${profDir}`);
    }
    const t = await startTarget(db.spec, execArgv);
    const acked = new Set<string>();
    let answerBytes = 0;
    let result: TargetResult;
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.token}` };
      // One request first: fail fast (with the problem document) if the push is refused.
      const probeId = `${RUN_TAG}-probe`;
      const probe = await fetch(`${t.url}/api/v1/messages`, { method: 'POST', headers, body: bodyFor(probeId) });
      const probeText = await probe.text();
      if (probe.status !== 202) throw new Error(`bench: the gateway refused the probe push: ${probe.status} ${probeText}`);
      acked.add(probeId);
      answerBytes = Buffer.byteLength(probeText);

      const w = await load(t.url, headers, bodyFor, WARMUP, acked);
      const before = await commitBatchStats(t.url);
      const { out, cpu } = await cpuWindow(t, DB_KIND, () => load(t.url, headers, bodyFor, SECONDS, acked), db.name);
      const after = await commitBatchStats(t.url);
      const commits = after.count - before.count, messages = after.sum - before.sum;
      result = {
        target: 'gateway-push',
        database: DB_KIND,
        load: out,
        warmup: { reqPerSec: w.reqPerSec, ok: w.ok, non2xx: w.non2xx, errors: w.errors },
        cpu,
        groupCommit: { meanBatch: commits ? messages / commits : NaN, commits, messages, meanBatchInclWarmup: after.sum / after.count },
        answerBytes,
      };
    } finally {
      await t.stop(STOP);
    }
    const v = await db.verify(acked);
    result.durability = {
      stop: STOP,
      acknowledged: acked.size,
      ackedFoundInDb: v.ackedFound,
      rowsInMessages: v.messages,
      messageEvents: v.events,
      deliveries: v.deliveries,
      committedNotCounted: v.messages - acked.size,
      // Durable: every acknowledged message is stored, each with its one arrival row (exchange/lifecycle.ts historyEvents)
      // and its delivery job. Rows beyond the acknowledged ones are requests committed whose answers autocannon did not
      // count (in flight when a run stopped: about one per connection per run; once 101 for 2 × 50): reported, not judged.
      ok: v.ackedFound === acked.size && v.messages >= acked.size && v.events === v.messages && v.deliveries === v.messages,
    };
    if (profDir) result.profile = keepProfile(profDir, `xgw-bench-gateway-${DB_KIND}.cpuprofile`);
    return result;
  } finally {
    if (profDir) fs.rmSync(profDir, { recursive: true, force: true });
    await db.drop().catch((e) => console.error('bench: could not remove the scratch database:', (e as Error).message));
  }
}

