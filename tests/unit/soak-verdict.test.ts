/**
 * The soak's verdict (bench/soak-verdict.ts, pure): a steady run passes; a leak, a slowing
 * gateway, a growing backlog, an error or a log that does not verify each fail their check,
 * judged on the last quarter against the first after the warm-up.
 */
import { judge, type Sample } from '../../bench/soak-verdict';

const MB = 1024 * 1024;
const steady = (i: number, over: Partial<Sample> = {}): Sample => ({
  atSeconds: 60 * (i + 1),
  reqPerSec: 100,
  p99Ms: 40,
  p99ByKind: {},
  ok: 6000,
  errors: 0,
  retried: 0,
  shed: 0,
  errorSamples: [],
  rssBytes: 150 * MB,
  heapUsedBytes: 36 * MB,
  loopDelayP99Ms: 12,
  dbBytes: 10 * MB + i * 2700 * 20_000,
  dbBytesPerMessage: 20_000,
  messages: 1000 + i * 2700,
  backlog: 20,
  serviceCalls: 0,
  gatewayCores: 0.2,
  postgresCores: 0.2,
  loadGeneratorCores: 0.03,
  ...over,
});
const run = (f: (i: number) => Partial<Sample> = () => ({})) => Array.from({ length: 20 }, (_, i) => steady(i, f(i)));
const opts = { warmup: 2, bounds: { rssDriftMb: 64, heapDriftMb: 24, backlogMax: 450 }, targetReqPerSec: 100, pushesAcked: 50_000, messagesStored: 50_000, verifyOk: true };
const failed = (samples: Sample[], o: Partial<typeof opts> = {}) => judge(samples, { ...opts, ...o }).checks.filter((c) => !c.ok).map((c) => c.name);

test('a steady run passes every check', () => {
  const v = judge(run(), opts);
  expect(v.checks.filter((c) => !c.ok)).toEqual([]);
  expect(v.ok).toBe(true);
  expect(v.figures.dbBytesPerMessage).toEqual({ start: 20_000, end: 20_000 });
});

test('each kind of drift fails its own check', () => {
  expect(failed(run((i) => ({ rssBytes: (150 + i * 8) * MB })))).toEqual(['RSS drift']);
  expect(failed(run((i) => ({ heapUsedBytes: (36 + i * 3) * MB })))).toEqual(['heap drift (after GC)']);
  expect(failed(run((i) => ({ p99Ms: 40 + i * 10 })))).toEqual(['request p99 stable']);
  expect(failed(run((i) => ({ loopDelayP99Ms: 12 + i * 5 })))).toEqual(['event-loop delay p99 stable']);
  expect(failed(run((i) => ({ backlog: 20 + i * 50 })))).toEqual(['outbox backlog bounded']);
  expect(failed(run((i) => ({ dbBytes: 10 * MB + i * 2700 * 20_000 * (i > 14 ? 3 : 1) })))).toEqual(['database growth per message stable']);
  expect(failed(run((i) => ({ reqPerSec: i > 4 ? 80 : 100 })))).toEqual(['rate held']);
});

test('one error, a lost push or a log that does not verify fails the run', () => {
  expect(failed(run((i) => (i === 7 ? { errors: 1 } : {})))).toEqual(['errors']);
  expect(failed(run(), { messagesStored: 49_999 })).toEqual(['every acknowledged push stored']);
  expect(failed(run(), { verifyOk: false })).toEqual(['xgw verify log']);
});

test('a request retried on a new connection and then answered is no error: the errors check passes and counts it', () => {
  const v = judge(run((i) => (i === 7 ? { retried: 1 } : {})), opts);
  expect(v.checks.filter((c) => !c.ok)).toEqual([]);
  expect(v.checks.find((c) => c.name === 'errors')?.detail).toMatch(/^0 failed or shed request\(s\) \(0 shed at the in-flight cap\); 1 retried once on a new connection/);
});

test('the warm-up rows are not the baseline: slow first minutes do not hide a later slowdown', () => {
  const slowStartThenWorse = run((i) => ({ p99Ms: i < 3 ? 5000 : i >= 15 ? 200 : 40 }));
  expect(failed(slowStartThenWorse, { warmup: 3 })).toEqual(['request p99 stable']);
  expect(judge(slowStartThenWorse, { ...opts, warmup: 3 }).figures.p99Ms).toEqual({ start: 40, end: 200 });
});
