/**
 * Test-only reference: RFC 9162 §2.1 MTH, PATH and PROOF written the naive recursive
 * way over the list of leaf hashes, plus an in-memory node store fed by appendLeaves.
 * Deliberately independent of gateway/merkle/tree.ts.
 */
import { createHash } from 'node:crypto';
import type { LogHashAlg } from '../../gateway/merkle/hash';
import { appendLeaves, EMPTY_FRONTIER, Frontier, NodeLookup, StoredNode } from '../../gateway/merkle/tree';

const H = (alg: LogHashAlg, ...parts: Buffer[]): Buffer => {
  const h = createHash(alg);
  for (const part of parts) h.update(part);
  return h.digest();
};
export const refLeafHash = (alg: LogHashAlg, entry: Buffer): Buffer => H(alg, Buffer.of(0), entry);
const refNodeHash = (alg: LogHashAlg, l: Buffer, r: Buffer): Buffer => H(alg, Buffer.of(1), l, r);

/** k: the largest power of two smaller than n. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The leaves D[0:n] of a reference tree; MTH(D[a:b]) is memoised by range (same semantics, less time). */
export class ReferenceTree {
  private readonly memo = new Map<string, Buffer>();
  constructor(
    readonly alg: LogHashAlg,
    readonly leaves: readonly Buffer[],
  ) {}

  /** MTH(D[a:b]). */
  mth(a: number, b: number): Buffer {
    if (b - a === 0) return H(this.alg);
    if (b - a === 1) return this.leaves[a]!;
    const key = `${a}:${b}`;
    let hash = this.memo.get(key);
    if (!hash) {
      const k = split(b - a);
      hash = refNodeHash(this.alg, this.mth(a, a + k), this.mth(a + k, b));
      this.memo.set(key, hash);
    }
    return hash;
  }

  root(n = this.leaves.length): Buffer {
    return this.mth(0, n);
  }

  /** PATH(m, D[a:b]) of RFC 9162 §2.1.3.1. */
  path(m: number, a: number, b: number): Buffer[] {
    if (b - a <= 1) return [];
    const k = split(b - a);
    return m < k
      ? [...this.path(m, a, a + k), this.mth(a + k, b)]
      : [...this.path(m - k, a + k, b), this.mth(a, a + k)];
  }

  inclusionProof(index: number, size: number): Buffer[] {
    return this.path(index, 0, size);
  }

  /** SUBPROOF(m, D[a:b], flag) of RFC 9162 §2.1.4.1. */
  subproof(m: number, a: number, b: number, flag: boolean): Buffer[] {
    const n = b - a;
    if (m === n) return flag ? [] : [this.mth(a, b)];
    const k = split(n);
    return m <= k
      ? [...this.subproof(m, a, a + k, flag), this.mth(a + k, b)]
      : [...this.subproof(m - k, a + k, b, false), this.mth(a, a + k)];
  }

  consistencyProof(from: number, to: number): Buffer[] {
    return from === 0 || from === to ? [] : this.subproof(from, 0, to, true);
  }
}

/** Distinct, deterministic entries for a property run. */
export const entriesFor = (seed: number, count: number): Buffer[] =>
  Array.from({ length: count }, (_, i) => Buffer.from(`entry ${seed}/${i}: ${'x'.repeat((seed + i) % 17)}`));

/** The database, in memory: nodes written by appendLeaves, and the frontier row. */
export class MemoryNodeStore {
  readonly nodes = new Map<string, Buffer>();
  frontier: Frontier = EMPTY_FRONTIER;
  /** Every batch's frontier, by size, as a checkpoint row would record it. */
  readonly frontierHistory: Frontier[] = [EMPTY_FRONTIER];

  constructor(readonly alg: LogHashAlg) {}

  append(leafHashes: Buffer[]): StoredNode[] {
    const { frontier, newNodes } = appendLeaves(this.alg, this.frontier, leafHashes);
    for (const node of newNodes) {
      const key = `${node.level}/${node.index}`;
      if (this.nodes.has(key)) throw new Error(`node ${key} written twice`);
      this.nodes.set(key, node.hash);
    }
    this.frontier = frontier;
    this.frontierHistory.push(frontier);
    return newNodes;
  }

  /**
   * A lookup for proofs about the tree of `size` leaves. It fails on any node that
   * is not complete within that size, and records what was read.
   */
  lookupAt(size: number, reads: string[] = []): NodeLookup {
    return (level, index) => {
      const key = `${level}/${index}`;
      if ((index + 1) * 2 ** level > size) throw new Error(`node ${key} lies outside a tree of size ${size}`);
      reads.push(key);
      return this.nodes.get(key);
    };
  }
}

/** Hex of a hash or hash list: jest compares strings far faster than Buffers. */
export const hex = (hashes: Buffer | readonly Buffer[]): string =>
  Buffer.isBuffer(hashes) ? hashes.toString('hex') : hashes.map((h) => h.toString('hex')).join(',');
