/** The bench's settings, from the environment (documented in run.ts and bench/README.md). */
import { randomBytes } from 'node:crypto';

const env = process.env;
export const QUICK = env.BENCH_QUICK === '1';
export const SECONDS = Number(env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
export const WARMUP = Number(env.BENCH_WARMUP ?? (QUICK ? 2 : 3));
export const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
export const TARGETS = (env.BENCH_TARGETS ?? 'echo,node-echo,gateway,log,sign,service').split(',').map((s) => s.trim());
export const PROFILE = env.BENCH_PROFILE === '1';
export const STOP: 'kill' | 'graceful' = PROFILE || env.BENCH_STOP === 'graceful' ? 'graceful' : 'kill';
export const DATABASE_URL = env.DATABASE_URL || null;
export const DB_KIND: 'postgres' | 'pglite' = DATABASE_URL ? 'postgres' : 'pglite';
export const GOAL = { ratio: 0.5, p99Ms: 50 };
/** Rounds of the echo and the push, alternating (the ratio is the median round's): the machine's speed drifts over minutes. */
export const ROUNDS = Number(env.BENCH_ROUNDS ?? 1);

for (const [k, v] of Object.entries({ SECONDS, WARMUP, CONNECTIONS, ROUNDS })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bench: ${k} must be a positive number`);
}
if (!Number.isInteger(ROUNDS)) {
  throw new Error('bench: BENCH_ROUNDS must be a whole number');
}

/** Tags every messageId of this run, so its requests can be found in the database afterwards. */
export const RUN_TAG = `bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
