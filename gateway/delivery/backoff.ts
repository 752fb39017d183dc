/**
 * Exponential backoff with full jitter (AWS architecture blog): the wait before
 * attempt n+1 is uniform in [0, min(max, base·2^(n-1))], never below base/2 so a
 * flapping receiver is not hammered. `random` is injectable for tests.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(Math.min(baseMs / 2, ceiling), Math.round(random() * ceiling));
}
