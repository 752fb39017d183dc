/**
 * Streaming Merkle tree for the stored-log auditor (audit-log.ts). Pure: no I/O.
 *
 * The same RFC 9162 math as verify.ts's {@link TreeBuilder} — one leaf hash in, on average
 * one node hash per leaf, O(log n) memory — with two additions an auditor needs:
 *   - it can start from a frontier (the right-edge subtree roots of a tree of `size`
 *     leaves), so an audit can resume at a signed checkpoint instead of leaf 0;
 *   - `push` reports every perfect subtree the new leaf completes, (level, index, hash),
 *     in the same order tree.ts's appendLeaves produces them, so the nodes the
 *     integrator stored in log_nodes can be compared one by one with recomputed ones.
 * tests/log/audit-log.test.ts checks it against TreeBuilder and rootFromLeaves.
 */
import { LOG_HASH_SIZE, nodeHash, type LogHashAlg } from '../merkle/hash';
import { popcount } from '../merkle/bits';
import { rootFromFrontier, type Frontier } from '../merkle/tree';

/** Called for node(0, n) and every node(level, ⌊n/2^level⌋) that leaf n completes. */
export type OnNode = (level: number, index: number, hash: Buffer) => void;

export class AuditTree {
  private readonly edge: Buffer[];
  private count: number;

  constructor(
    readonly alg: LogHashAlg,
    frontier: Frontier = { size: 0, hashes: [] },
  ) {
    if (!Number.isSafeInteger(frontier.size) || frontier.size < 0 || frontier.hashes.length !== popcount(frontier.size)) {
      throw new RangeError(`a frontier of size ${frontier.size} needs ${popcount(Math.max(0, frontier.size))} hashes, has ${frontier.hashes.length}`);
    }
    this.edge = frontier.hashes.slice();
    this.count = frontier.size;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Appends one leaf hash. `known` may supply interior nodes already computed from the same
   * leaves (a page's inner subtrees, hashed on a worker: leaf-hashes.ts); the rest are hashed here.
   */
  push(leaf: Buffer, onNode?: OnNode, known?: (level: number, index: number) => Buffer | undefined): void {
    if (leaf.length !== LOG_HASH_SIZE) throw new RangeError(`leaf hash must be ${LOG_HASH_SIZE} bytes`);
    const n = this.count;
    onNode?.(0, n, leaf);
    let hash = leaf;
    let level = 0;
    // Each trailing 1-bit of n is a same-height subtree on the edge that the leaf completes.
    for (let rest = n; rest % 2 === 1; rest = (rest - 1) / 2) {
      const left = this.edge.pop()!;
      level++;
      const index = Math.floor(n / 2 ** level);
      hash = known?.(level, index) ?? nodeHash(this.alg, left, hash);
      onNode?.(level, index, hash);
    }
    this.edge.push(hash);
    this.count = n + 1;
  }

  /** MTH of the leaves so far. */
  root(): Buffer {
    return rootFromFrontier(this.alg, { size: this.count, hashes: this.edge });
  }

  frontier(): Frontier {
    return { size: this.count, hashes: this.edge.slice() };
  }
}
