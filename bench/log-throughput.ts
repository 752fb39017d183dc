/**
 * Full-log recomputation throughput, as the offline verifier does it: hash each
 * entry text (~300 bytes) as a leaf and stream it into a TreeBuilder.
 *   npm run build && node dist/bench/log-throughput.js [entries]
 */
import { LOG_HASH_ALGS, type LogHashAlg } from '../gateway/merkle/hash';
import { TreeBuilder } from '../gateway/merkle/verify';

function sampleEntry(i: number): string {
  const entry = JSON.stringify({
    seq: i,
    id: `msg-${i.toString(16).padStart(12, '0')}`,
    sender: 'hall/default',
    receiver: 'housing',
    type: 'case-record',
    digest: ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8),
    at: new Date(1.7e12 + i * 1000).toISOString(),
    note: '办件受理 status=accepted',
  });
  return entry.padEnd(300, ' ');
}

export function measureLogThroughput(count: number, alg: LogHashAlg): { alg: LogHashAlg; entries: number; entriesPerSecond: number; root: string } {
  const entries = Array.from({ length: count }, (_, i) => sampleEntry(i));
  let best = Infinity;
  let root = '';
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    const builder = new TreeBuilder(alg);
    for (const entry of entries) builder.pushEntry(entry);
    root = builder.root().toString('hex');
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return { alg, entries: count, entriesPerSecond: Math.round(count / best), root };
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 1_000_000);
  for (const alg of LOG_HASH_ALGS) {
    const r = measureLogThroughput(n, alg);
    console.log(`${alg.padEnd(7)} ${r.entries} entries  ${r.entriesPerSecond.toLocaleString('en')} entries/s  root ${r.root.slice(0, 16)}…`);
  }
}
