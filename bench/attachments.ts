/**
 * 公文 attachments: a 100 MB attachment uploaded and downloaded through the gateway
 * must not raise the gateway's RSS by more than 64 MB (bytes stream through in 256 KiB
 * chunk rows; nothing holds the file whole).
 *
 *   npm run bench:attachments                                                    gateway on PGlite
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:attachments  on PostgreSQL
 *
 * The gateway runs in a child process (bench/target.ts). The parent streams the body
 * from a generator (nothing buffered on either side), then streams the download through
 * SHA-256 and compares. The child's RSS is read from /proc/<pid>/status every 20 ms;
 * its peak (VmHWM, reset through /proc/<pid>/clear_refs after a 4 MB warm-up) is the
 * figure; the baseline is the RSS after the warm-up and one full collection (the child runs
 * with --expose-gc; nothing else calls it). BENCH_ATTACHMENT_MB sets the size,
 * BENCH_ATTACHMENT_ROUNDS the number of uploads+downloads in a row (peak after each).
 * On PGlite the database runs inside the gateway process, so its page cache
 * (shared_buffers, 128 MB by default) counts in the gateway's RSS.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { startTarget, cleanups, runCleanups } from './children';
import { prepareDb } from './db';
import { DATABASE_URL } from './settings';
import type { ChildProcess } from 'node:child_process';
import type { ChildMessage } from './target';

const MB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_ATTACHMENT_MB ?? 100) * MB;
const BUDGET_MB = 64;
/** Uploads+downloads of SIZE in a row (BENCH_ATTACHMENT_ROUNDS): a bounded cache stops growing, a leak does not. */
const ROUNDS = Number(process.env.BENCH_ATTACHMENT_ROUNDS ?? 1);

const status = (pid: number, field: string): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
};

/** A body of `size` bytes made on the fly, 64 KiB at a time (varied, so no page is shared). */
function body(size: number, seed: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let n = seed;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const len = Math.min(65536, size - sent);
      const piece = new Uint8Array(len);
      for (let i = 0; i < len; i += 4096) piece[i] = n++ & 0xff;
      sent += len;
      c.enqueue(piece);
    },
  });
}

/** The child's process.memoryUsage() in MB (heap, external, array buffers: what the RSS is made of); `gc` after a full collection. */
function memoryOf(child: ChildProcess, request: 'memory' | 'gc' = 'memory'): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    child.on('message', function onMemory(m: ChildMessage) {
      if (m.type !== 'memory') return;
      child.off('message', onMemory);
      resolve(Object.fromEntries(Object.entries(m.usage).map(([k, v]) => [k, +(v / MB).toFixed(1)])));
    });
    child.send({ type: request });
  });
}

async function main() {
  const db = await prepareDb(DATABASE_URL, cleanups);
  const target = await startTarget(db.spec, ['--expose-gc']);
  const pid = target.child.pid!;
  const auth = { authorization: `Bearer ${target.token}` };
  try {
    const draft = await fetch(`${target.url}/api/v1/documents`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ document: { title: '江州市政务服务大厅关于报送年度材料的通知', body: '附件为年度材料。', kind: '通知' }, addressees: { main: ['housing'] } }),
    });
    const id = ((await draft.json()) as { id: string }).id;
    const upload = async (size: number, seed: number, name: string) => {
      const res = await fetch(`${target.url}/api/v1/documents/${id}/attachments?name=${name}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: body(size, seed),
        duplex: 'half',
      } as RequestInit);
      const out = (await res.json()) as { size: number; digests: { alg: string; value: string }[] };
      if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(out)}`);
      return out.digests.find((d) => d.alg === 'sha256')!.value;
    };
    const download = async (sha256: string) => {
      const res = await fetch(`${target.url}/api/v1/documents/${id}/attachments/${sha256}`, { headers: auth });
      const h = createHash('sha256');
      let bytes = 0;
      for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
        h.update(piece);
        bytes += piece.length;
      }
      if (h.digest('hex') !== sha256) throw new Error('download: digest differs');
      return bytes;
    };
    // warm-up: code paths, pools and buffers in place; then one full collection, so garbage left
    // from the start (PGlite's initdb instance: ~200 MB of WASM memory) is not in the baseline
    await download(await upload(4 * MB, 1, 'warm.bin'));
    await memoryOf(target.child, 'gc');
    // the baseline: the RSS once it has settled after the warm-up (no change over 1 MB in 0.5 s, at most 10 s)
    let baseline = status(pid, 'VmRSS');
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = status(pid, 'VmRSS');
      const settled = Math.abs(now - baseline) < MB;
      baseline = now;
      if (settled) break;
    }
    const baselineMemory = await memoryOf(target.child);
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM := current RSS
    let sampledPeak = baseline;
    const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, status(pid, 'VmRSS'))), 20);
    const rounds: { uploadMBps: number; downloadMBps: number; peakRssMB: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const sha256 = await upload(SIZE, 7 + round, `big-${round}.bin`);
      const t1 = performance.now();
      const bytes = await download(sha256);
      const t2 = performance.now();
      rounds.push({
        uploadMBps: +(SIZE / MB / ((t1 - t0) / 1000)).toFixed(1),
        downloadMBps: +(bytes / MB / ((t2 - t1) / 1000)).toFixed(1),
        peakRssMB: +(Math.max(status(pid, 'VmHWM'), sampledPeak) / MB).toFixed(1),
      });
    }
    clearInterval(sampler);
    const peak = Math.max(status(pid, 'VmHWM'), sampledPeak);
    const memory = await memoryOf(target.child);
    const rise = (peak - baseline) / MB;
    const result = { store: db.kind, sizeMB: SIZE / MB, baselineRssMB: +(baseline / MB).toFixed(1), baselineMemory, afterMemory: memory, rounds, riseMB: +rise.toFixed(1), budgetMB: BUDGET_MB, ok: rise <= BUDGET_MB };
    console.log(JSON.stringify(result));
    if (!result.ok) process.exitCode = 1;
  } finally {
    await target.stop('graceful');
    await runCleanups();
  }
}

main().catch(async (e) => {
  console.error(e);
  await runCleanups();
  process.exit(1);
});
