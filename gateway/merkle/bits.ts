/**
 * Integer helpers for leaf counts and indexes of the Merkle log.
 *
 * Log sizes are plain JS numbers, safe up to 2^53. JavaScript's bitwise operators
 * truncate to 32 bits, so everything here uses arithmetic (`% 2`, `/ 2`, `2 ** l`)
 * and stays correct past 2^32 leaves.
 */

/** Throws a RangeError unless `value` is a safe integer ≥ `min`. */
export function assertCount(name: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a safe integer ≥ ${min}, got ${String(value)}`);
  }
}

export function isSafeCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** Largest power of two strictly less than n (n ≥ 2): the RFC 9162 split point k. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Largest power of two ≤ n (n ≥ 1). */
export function largestPowerOfTwoAtMost(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

/** log2 of an exact power of two. */
export function log2Exact(powerOfTwo: number): number {
  let level = 0;
  for (let k = 1; k < powerOfTwo; k *= 2) level++;
  return level;
}

/** Number of set bits: how many perfect subtrees make up a tree of n leaves. */
export function popcount(n: number): number {
  let bits = 0;
  for (; n > 0; n = Math.floor(n / 2)) bits += n % 2;
  return bits;
}

/** The least significant bit of n is set. */
export const lsb = (n: number): boolean => n % 2 === 1;

/** n >> 1 without 32-bit truncation. */
export const shiftRight = (n: number): number => Math.floor(n / 2);
