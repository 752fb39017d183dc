/**
 * Exchange-log benchmarks (`npm run bench`, target `log`; or `node dist/bench/log.js`):
 *
 *   1. full stored-log verification (gateway/log/audit-log.ts verifyStoredLog) over a scratch
 *      database of 200,000 synthetic entries (~630-byte texts shaped like the gateway's) with a
 *      signed checkpoint every 10,000: entries/s as `xgw verify log` runs (entries hashed on a
 *      second thread where there is a second core), with and without the stored-node
 *      comparison, and with it on one thread; three alternating rounds, best of each;
 *   2. inclusion-proof latency (store.ts inclusionProof, one query) at 10^3 leaves and then, on
 *      the same table grown, 10^6 leaves on PostgreSQL (10^5 on PGlite): median and p99 of 200
 *      random proofs, and their ratio (O(log n) nodes per proof: should be about flat);
 *   3. pure in-memory recomputation (bench/log-throughput.ts) for sha256 and sm3.
 *
 * BENCH_LOG_ENTRIES overrides 200,000; BENCH_LOG_PROOF_SIZE the large proof tree size.
 */
import { f0, f2, f3, markdownTable, percentile } from './table';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initPki, loadPki } from '../certs/pki';
import { projectRoot } from '../gateway/schemas/paths';
import type { Db, Store } from '../gateway/store/db';
import { migrate } from '../gateway/store/migrate';
import { registerCertificate } from '../gateway/trust/certificates';
import { leafHash, type LogHashAlg } from '../gateway/merkle/hash';
import { appendLeaves, rootFromFrontier, type Frontier } from '../gateway/merkle/tree';
import { appendEntries, ensureLogHead, inclusionProof, integrate } from '../gateway/log/store';
import { lastCheckpoint, saveCheckpoint } from '../gateway/log/checkpoint-store';
import { verifyInclusion } from '../gateway/merkle/verify';
import { verifyStoredLog } from '../gateway/log/audit-log';
import { measureLogThroughput } from './log-throughput';
import { prepareDb } from './db';

const ALG: LogHashAlg = 'sha256';
const CHUNK = 10_000;

export interface LogBenchResult {
  date: string;
  database: 'postgres' | 'pglite';
  entries: number;
  checkpoints: number;
  seedSeconds: number;
  verify: Array<{ nodes: 'all' | 'none'; thread: boolean; seconds: number; entriesPerSecond: number; cpuCores: number; nodesChecked: number; ok: boolean }>;
  inclusionProof: { samples: number; sizes: Array<{ size: number; medianMs: number; p99Ms: number }>; ratioMedian: number; ratioP99: number; note?: string };
  inMemory: Array<{ alg: LogHashAlg; entries: number; entriesPerSecond: number }>;
}

const hrSeconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/** ~630 bytes, the shape of a gateway `message.received` entry (canonical JSON, sorted keys). */
function syntheticEntry(i: number): string {
  const hex = (n: number) => ((n * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8);
  const at = new Date(1.77e12 + i * 37).toISOString().replace('Z', '+00:00');
  return (
    `{"at":"${at}","envelope":{"digest":{"alg":"sha256","value":"${hex(i)}"},"signatures":[{"alg":"SM2-SM3",` +
    `"certificate":"${hex(7)}","onBehalf":true,"role":"sender","signer":"hall"}]},"kind":"message.received",` +
    `"message":{"caseId":"JZ-ZJ-20260302-${String(i).padStart(6, '0')}","from":"hall","id":"01a208c5-${i.toString(16).padStart(12, '0')}",` +
    `"messageId":"bench-${i}","purpose":"case-handling","to":"housing","type":"case-record"},` +
    `"payloadDigest":{"alg":"sm3","value":"${hex(i + 1)}"},"v":1}`
  );
}

/** 200k entries appended 10k per statement (the gateway's log append), integrated and checkpointed every 10k. */
export async function seedLog(store: Store, count: number, pkiDir: string): Promise<number> {
  await migrate(store);
  await ensureLogHead(store, ALG);
  initPki({ dir: pkiDir, departments: [], logAlg: 'sm2' });
  const signer = loadPki(pkiDir).log;
  await store.tx((db) => registerCertificate(db, signer.certPem!, 'log', null));
  let checkpoints = 0;
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const texts = Array.from({ length: n }, (_, i) => syntheticEntry(start + i));
    const at = new Date();
    await appendEntries(store, texts.map((text) => ({ kind: 'message.received', messageId: null, caseId: null, at, text, leafHash: leafHash(ALG, text) })));
    await store.tx(async (db: Db) => {
      const { head } = await integrate(db, n);
      await saveCheckpoint(db, signer, head, await lastCheckpoint(db), new Date());
    });
    checkpoints++;
  }
  if (store.kind === 'postgres') await store.query('ANALYZE log_entries; ANALYZE log_nodes; ANALYZE checkpoints');
  return checkpoints;
}

/** Grows log_nodes (only: proofs need nothing else) from `frontier` to `size` leaves. */
async function growNodes(store: Store, frontier: Frontier, size: number): Promise<Frontier> {
  const STEP = 50_000;
  while (frontier.size < size) {
    const n = Math.min(STEP, size - frontier.size);
    const leaves = Array.from({ length: n }, (_, i) => leafHash(ALG, `leaf ${frontier.size + i}`));
    const out = appendLeaves(ALG, frontier, leaves);
    await store.query(
      `INSERT INTO log_nodes (level, idx, hash) SELECT l, i, decode(h, 'hex') FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS t(l, i, h)`,
      [out.newNodes.map((x) => x.level), out.newNodes.map((x) => x.index), out.newNodes.map((x) => x.hash.toString('hex'))],
    );
    frontier = out.frontier;
  }
  if (store.kind === 'postgres') await store.query('ANALYZE log_nodes');
  return frontier;
}

async function proofLatency(store: Store, size: number, root: Buffer, samples: number): Promise<{ size: number; medianMs: number; p99Ms: number }> {
  const pick = () => Math.floor(Math.random() * size);
  for (let i = 0; i < 20; i++) await inclusionProof(store, ALG, pick(), size, size); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const index = pick();
    const t0 = process.hrtime.bigint();
    const proof = await inclusionProof(store, ALG, index, size, size);
    ms.push(hrSeconds(t0) * 1000);
    if (i < 10 && !verifyInclusion(ALG, index, size, leafHash(ALG, `leaf ${index}`), proof, root)) throw new Error(`bench: proof ${index}/${size} does not verify`);
  }
  ms.sort((a, b) => a - b);
  return { size, medianMs: percentile(ms, 50), p99Ms: percentile(ms, 99) };
}

export async function runLogBench(databaseUrl: string | null, cleanups: Array<() => Promise<void>>): Promise<LogBenchResult> {
  const entries = Number(process.env.BENCH_LOG_ENTRIES ?? 200_000);
  const bigSize = Number(process.env.BENCH_LOG_PROOF_SIZE ?? (databaseUrl ? 1_000_000 : 100_000));
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-logpki-'));
  cleanups.push(async () => fs.rmSync(pkiDir, { recursive: true, force: true }));

  // 1. stored-log verification
  const db = await prepareDb(databaseUrl, cleanups);
  let store = await db.open();
  const verify: LogBenchResult['verify'] = [];
  let checkpoints = 0;
  const t0 = process.hrtime.bigint();
  try {
    checkpoints = await seedLog(store, entries, pkiDir);
  } finally {
    await store.close();
  }
  const seedSeconds = hrSeconds(t0);
  store = await db.open(); // fresh connection/cache state, as the CLI would have
  try {
    // As `xgw verify log` runs (hash thread where there is a second core), with and without
    // comparing stored nodes, and on one thread: three rounds, alternating, best of each.
    const thread = os.availableParallelism() > 1;
    const variants = [
      { nodes: 'all' as const, thread },
      { nodes: 'none' as const, thread },
      ...(thread ? [{ nodes: 'all' as const, thread: false }] : []),
    ];
    const best = new Map<string, LogBenchResult['verify'][number]>();
    for (let round = 0; round < 3; round++) {
      for (const v of variants) {
        const cpu0 = process.cpuUsage();
        const t = process.hrtime.bigint();
        const r = await verifyStoredLog(store, { nodes: v.nodes, hashThread: v.thread });
        const seconds = hrSeconds(t);
        const cpu = process.cpuUsage(cpu0);
        if (!r.ok) throw new Error(`bench: the synthetic log does not verify: ${r.firstBad?.message}`);
        const nodesChecked = r.checks.find((c) => c.name === 'nodes')!.checked;
        const key = `${v.nodes}/${v.thread}`;
        const m = { ...v, seconds, entriesPerSecond: Math.round(r.entries / seconds), cpuCores: (cpu.user + cpu.system) / 1e6 / seconds, nodesChecked, ok: r.ok };
        if (!best.has(key) || best.get(key)!.seconds > seconds) best.set(key, m);
      }
    }
    verify.push(...best.values());
  } finally {
    await store.close();
    await db.drop();
  }

  // 2. inclusion proofs: 10^3 leaves, then the same table grown to bigSize
  const proofDb = await prepareDb(databaseUrl, cleanups);
  store = await proofDb.open();
  const sizes: LogBenchResult['inclusionProof']['sizes'] = [];
  try {
    await migrate(store);
    let frontier: Frontier = { size: 0, hashes: [] };
    for (const size of [1000, bigSize]) {
      frontier = await growNodes(store, frontier, size);
      sizes.push(await proofLatency(store, size, rootFromFrontier(ALG, frontier), 200));
    }
  } finally {
    await store.close();
    await proofDb.drop();
  }
  const [small, big] = [sizes[0]!, sizes[1]!];
  const note = databaseUrl
    ? undefined
    : `PGlite: the large tree is ${bigSize.toLocaleString('en-US')} leaves (10^6 runs on PostgreSQL: set DATABASE_URL); PGlite runs in this process, so the verifier CPU includes the database`;

  // 3. in-memory recomputation
  const inMemory = (['sha256', 'sm3'] as const).map((alg) => {
    const r = measureLogThroughput(entries, alg);
    return { alg, entries: r.entries, entriesPerSecond: r.entriesPerSecond };
  });

  return {
    date: new Date().toISOString(),
    database: databaseUrl ? 'postgres' : 'pglite',
    entries,
    checkpoints,
    seedSeconds,
    verify,
    inclusionProof: { samples: 200, sizes, ratioMedian: big.medianMs / small.medianMs, ratioP99: big.p99Ms / small.p99Ms, note },
    inMemory,
  };
}


export function printLogBench(r: LogBenchResult): void {
  const rows: string[][] = [
    ['log', 'value', 'detail'],
    ...r.verify.map((v) => [
      `verify stored log (${r.database}, nodes ${v.nodes}${v.thread ? ', hash thread' : ', one thread'})`,
      `${f0(v.entriesPerSecond)} entries/s`,
      `${f0(r.entries)} entries + ${r.checkpoints} signed checkpoints in ${f2(v.seconds)} s; verifier CPU ${f2(v.cpuCores)} cores; ${f0(v.nodesChecked)} nodes compared; best of 3`,
    ]),
    ...r.inclusionProof.sizes.map((s) => [
      `inclusion proof, ${f0(s.size)} leaves`,
      `median ${f3(s.medianMs)} ms`,
      `p99 ${f3(s.p99Ms)} ms (${r.inclusionProof.samples} random leaves, one query each)`,
    ]),
    ['inclusion proof ratio (large / 10^3)', `median ×${f2(r.inclusionProof.ratioMedian)}`, `p99 ×${f2(r.inclusionProof.ratioP99)}`],
    ...r.inMemory.map((m) => [`in-memory recompute (${m.alg})`, `${f0(m.entriesPerSecond)} entries/s`, `${f0(m.entries)} ~300-byte entries, TreeBuilder, best of 3`]),
  ];
  console.log(markdownTable(rows, (i) => i === 1));
  console.log(`(seeding ${f0(r.entries)} entries took ${f2(r.seedSeconds)} s)`);
  if (r.inclusionProof.note) console.log(`note: ${r.inclusionProof.note}`);
}

/** Standalone: run, print, and put the figures under "log" in bench/results.json (other keys kept). */
if (require.main === module) {
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  };
  runLogBench(process.env.DATABASE_URL || null, cleanups)
    .then((r) => {
      printLogBench(r);
      const file = path.join(projectRoot(), 'bench', 'results.json');
      const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
      fs.writeFileSync(file, JSON.stringify({ ...previous, log: r }, null, 2) + '\n');
      console.log(`wrote ${path.relative(process.cwd(), file) || file} (key "log")`);
    })
    .catch((e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
