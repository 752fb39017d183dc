/**
 * The soak's verdict (bench/soak.ts): after the warm-up intervals, the first quarter of the
 * run is the baseline and the last quarter is compared with it. Drift is judged on medians of
 * per-interval figures, so one slow interval (a checkpoint, an autovacuum) does not decide it.
 */
export interface Sample {
  atSeconds: number;
  reqPerSec: number;
  p99Ms: number;
  p99ByKind: Record<string, number>;
  ok: number;
  errors: number;
  /** Requests sent once more on a new connection after the gateway closed their reused keep-alive socket (bench/soak-load.ts); not errors. */
  retried: number;
  shed: number;
  errorSamples: string[];
  rssBytes: number;
  heapUsedBytes: number;
  loopDelayP99Ms: number;
  dbBytes: number;
  /** Database growth per message stored in the interval (null when none was). */
  dbBytesPerMessage: number | null;
  messages: number;
  backlog: number;
  serviceCalls: number;
  gatewayCores: number;
  postgresCores: number | null;
  /** This process (the load generator). */
  loadGeneratorCores: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Verdict {
  ok: boolean;
  checks: Check[];
  /** Start (baseline) and end figures the README quotes. */
  figures: Record<string, { start: number | null; end: number | null }>;
}

const MB = 1024 * 1024;
const median = (xs: number[]): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Bytes added to the database per message stored over a run of samples (null when no message was stored). */
function growthPerMessage(prev: Sample | undefined, xs: Sample[]): number | null {
  const first = prev ?? xs[0];
  const last = xs.at(-1);
  if (!first || !last || last.messages <= first.messages) return null;
  return (last.dbBytes - first.dbBytes) / (last.messages - first.messages);
}

export function judge(
  samples: Sample[],
  o: {
    warmup: number;
    bounds: { rssDriftMb: number; heapDriftMb: number; backlogMax: number };
    targetReqPerSec: number;
    pushesAcked: number;
    messagesStored: number;
    verifyOk: boolean;
  },
): Verdict {
  const steady = samples.slice(o.warmup);
  const q = Math.max(1, Math.floor(steady.length / 4));
  const head = steady.slice(0, q);
  const tail = steady.slice(-q);
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const med = (xs: Sample[], f: (s: Sample) => number) => median(xs.map(f));

  const errors = samples.reduce((a, s) => a + s.errors, 0);
  const shed = samples.reduce((a, s) => a + s.shed, 0);
  const retried = samples.reduce((a, s) => a + s.retried, 0);
  add(
    'errors',
    errors === 0,
    `${errors} failed or shed request(s) (${shed} shed at the in-flight cap); ${retried} retried once on a new connection after the gateway closed a reused keep-alive socket (not errors when the retry is answered)`,
  );

  const rate = median(steady.map((s) => s.reqPerSec));
  add('rate held', rate >= 0.9 * o.targetReqPerSec, `median ${Math.round(rate)} req/s answered per interval for ${Math.round(o.targetReqPerSec)} req/s offered (need ≥ 90 %)`);

  const rss0 = med(head, (s) => s.rssBytes), rss1 = med(tail, (s) => s.rssBytes);
  add('RSS drift', (rss1 - rss0) / MB <= o.bounds.rssDriftMb, `${r1(rss0 / MB)} MB → ${r1(rss1 / MB)} MB (${r1((rss1 - rss0) / MB)} MB, bound ${o.bounds.rssDriftMb} MB)`);

  const heap0 = med(head, (s) => s.heapUsedBytes), heap1 = med(tail, (s) => s.heapUsedBytes);
  add('heap drift (after GC)', (heap1 - heap0) / MB <= o.bounds.heapDriftMb, `${r1(heap0 / MB)} MB → ${r1(heap1 / MB)} MB (${r1((heap1 - heap0) / MB)} MB, bound ${o.bounds.heapDriftMb} MB)`);

  const lat0 = med(head, (s) => s.p99Ms), lat1 = med(tail, (s) => s.p99Ms);
  add('request p99 stable', lat1 <= Math.max(2 * lat0, lat0 + 10), `median of per-interval p99 ${r1(lat0)} ms → ${r1(lat1)} ms (bound: ≤ 2× or + 10 ms)`);

  const loop0 = med(head, (s) => s.loopDelayP99Ms), loop1 = med(tail, (s) => s.loopDelayP99Ms);
  add('event-loop delay p99 stable', loop1 <= Math.max(2 * loop0, loop0 + 10), `${r1(loop0)} ms → ${r1(loop1)} ms (bound: ≤ 2× or + 10 ms)`);

  const maxBacklog = Math.max(0, ...steady.map((s) => s.backlog));
  add('outbox backlog bounded', maxBacklog <= o.bounds.backlogMax, `at most ${maxBacklog} deliveries pending after the warm-up (bound ${o.bounds.backlogMax}), ${samples.at(-1)?.backlog ?? 0} at the end`);

  const before = (xs: Sample[]) => samples[samples.indexOf(xs[0]!) - 1];
  const g0 = growthPerMessage(before(head), head), g1 = growthPerMessage(before(tail), tail);
  add(
    'database growth per message stable',
    g0 === null || g1 === null || g1 <= 2 * Math.max(g0, 1024),
    g0 === null || g1 === null ? 'not enough messages to tell' : `${Math.round(g0)} B → ${Math.round(g1)} B per message stored (bound ≤ 2×)`,
  );

  add('every acknowledged push stored', o.messagesStored >= o.pushesAcked, `${o.pushesAcked} pushes answered 202, ${o.messagesStored} messages in the database`);
  add('xgw verify log', o.verifyOk, o.verifyOk ? 'the stored log verifies after the run' : 'the stored log does NOT verify (output above)');

  const first = head[0], last = samples.at(-1);
  const figures = {
    rssMb: { start: first ? r1(first.rssBytes / MB) : null, end: last ? r1(last.rssBytes / MB) : null },
    heapAfterGcMb: { start: first ? r1(first.heapUsedBytes / MB) : null, end: last ? r1(last.heapUsedBytes / MB) : null },
    p99Ms: { start: first ? r1(lat0) : null, end: last ? r1(lat1) : null },
    loopDelayP99Ms: { start: r1(loop0), end: r1(loop1) },
    dbBytesPerMessage: { start: g0 === null ? null : Math.round(g0), end: g1 === null ? null : Math.round(g1) },
    dbMb: { start: first ? r1(first.dbBytes / MB) : null, end: last ? r1(last.dbBytes / MB) : null },
    messages: { start: first?.messages ?? null, end: last?.messages ?? null },
  };
  return { ok: checks.every((c) => c.ok), checks, figures };
}
