/**
 * Verification side of the exchange log, shared with the standalone verifier.
 * Pure: no I/O.
 *
 * - {@link verifyInclusion}: RFC 9162 §2.1.3.2, step by step.
 * - {@link verifyConsistency}: RFC 9162 §2.1.4.2, step by step.
 * - {@link rootFromLeaves}: the RFC's recursive MTH, the reference definition.
 * - {@link TreeBuilder}: streaming MTH for recomputing a whole log in O(n) time and
 *   O(log n) memory.
 */
import { LOG_HASH_SIZE, LogHashAlg, emptyRoot, isLogHash, leafHash, nodeHash } from './hash';
import { isSafeCount, largestPowerOfTwoBelow, isPowerOfTwo, lsb, shiftRight } from './bits';
import { rootFromFrontier } from './tree';

const allHashes = (hashes: readonly Buffer[]): boolean => hashes.every(isLogHash);

/**
 * RFC 9162 §2.1.3.2: does `proof` show that `leaf` is entry `index` of the tree of
 * `size` leaves whose root is `root`? Malformed input (bad sizes, hashes that are
 * not 32 bytes) is simply not verified.
 */
export function verifyInclusion(
  alg: LogHashAlg,
  index: number,
  size: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!isSafeCount(index) || !isSafeCount(size)) return false;
  if (!isLogHash(leaf) || !isLogHash(root) || !allHashes(proof)) return false;
  // 1. leaf_index must be < tree_size.
  if (index >= size) return false;
  // 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  // 4. For each p in inclusion_path:
  for (const p of proof) {
    // a. If sn is 0, fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or fn equals sn:
    if (lsb(fn) || fn === sn) {
      r = nodeHash(alg, p, r);
      // If LSB(fn) is not set, right-shift fn and sn until LSB(fn) is set or fn is 0.
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = shiftRight(fn);
          sn = shiftRight(sn);
        }
      }
    } else {
      r = nodeHash(alg, r, p);
    }
    // c. Right-shift fn and sn once.
    fn = shiftRight(fn);
    sn = shiftRight(sn);
  }
  // 5. sn must be 0 and r must equal root_hash.
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `size2` leaves with root
 * `root2` extends the tree of `size1` leaves with root `root1`?
 * Edge cases (outside the RFC's 0 < size1 < size2): equal sizes need an empty proof
 * and equal roots; size1 = 0 needs an empty proof and root1 = the empty-tree root.
 */
export function verifyConsistency(
  alg: LogHashAlg,
  size1: number,
  size2: number,
  proof: readonly Buffer[],
  root1: Buffer,
  root2: Buffer,
): boolean {
  if (!isSafeCount(size1) || !isSafeCount(size2) || size1 > size2) return false;
  if (!isLogHash(root1) || !isLogHash(root2) || !allHashes(proof)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (size1 === 0) return proof.length === 0 && root1.equals(emptyRoot(alg));
  // 1. An empty consistency_path fails.
  if (proof.length === 0) return false;
  // 2. If first_tree_size is an exact power of 2, prepend first_hash.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // 3. fn = first_tree_size - 1, sn = second_tree_size - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4. If LSB(fn) is set, right-shift fn and sn until LSB(fn) is not set.
  while (lsb(fn)) {
    fn = shiftRight(fn);
    sn = shiftRight(sn);
  }
  // 5. fr = sr = the first value of the path.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. For each subsequent value c:
  for (const c of path.slice(1)) {
    // a. If sn is 0, fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or fn equals sn:
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(alg, c, fr);
      sr = nodeHash(alg, c, sr);
      // If LSB(fn) is not set, right-shift fn and sn until LSB(fn) is set or fn is 0.
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) {
          fn = shiftRight(fn);
          sn = shiftRight(sn);
        }
      }
    } else {
      sr = nodeHash(alg, sr, c);
    }
    // c. Right-shift fn and sn once.
    fn = shiftRight(fn);
    sn = shiftRight(sn);
  }
  // 7. fr = first_hash, sr = second_hash, sn = 0.
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

/** RFC 9162 §2.1.1 MTH, recursively: the reference definition of a log root. */
export function rootFromLeaves(alg: LogHashAlg, leafHashes: readonly Buffer[]): Buffer {
  const mth = (start: number, end: number): Buffer => {
    if (end - start === 1) return leafHashes[start]!;
    const k = largestPowerOfTwoBelow(end - start);
    return nodeHash(alg, mth(start, start + k), mth(start + k, end));
  };
  return leafHashes.length === 0 ? emptyRoot(alg) : mth(0, leafHashes.length);
}

/**
 * Streaming MTH: push leaf hashes (or entries) in log order, ask for the root at any
 * size. Keeps only the right-edge subtree roots (one per set bit of the size), so a
 * full-log recomputation costs one leaf hash plus on average one node hash per entry.
 */
export class TreeBuilder {
  private readonly edge: Buffer[] = [];
  private count = 0;

  constructor(readonly alg: LogHashAlg = 'sha256') {}

  get size(): number {
    return this.count;
  }

  /** Appends one leaf hash. */
  push(leaf: Buffer): void {
    if (leaf.length !== LOG_HASH_SIZE) throw new RangeError(`leaf hash must be ${LOG_HASH_SIZE} bytes`);
    let hash = leaf;
    for (let rest = this.count; rest % 2 === 1; rest = (rest - 1) / 2) {
      hash = nodeHash(this.alg, this.edge.pop()!, hash);
    }
    this.edge.push(hash);
    this.count++;
  }

  /** Hashes one entry as a leaf and appends it; returns the leaf hash. */
  pushEntry(entry: Buffer | string): Buffer {
    const leaf = leafHash(this.alg, entry);
    this.push(leaf);
    return leaf;
  }

  /** MTH of the leaves pushed so far. */
  root(): Buffer {
    return rootFromFrontier(this.alg, { size: this.size, hashes: this.edge });
  }

  /** The right-edge subtree roots, largest first: the same shape as a tree.ts Frontier. */
  rightEdge(): Buffer[] {
    return this.edge.slice();
  }
}
