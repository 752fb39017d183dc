/**
 * Storage-agnostic Merkle tree math for the exchange log (RFC 9162 §2.1).
 *
 * ## Storage model
 * The store keeps the hash of every COMPLETE PERFECT subtree as node (level, index):
 * level 0 holds the leaf hashes (index = leaf index) and node(l, i) covers leaves
 * [i·2^l, (i+1)·2^l). Nodes are immutable once written — a perfect subtree never
 * changes when the log grows — and there are fewer than 2 per leaf. Besides the nodes
 * the store keeps one {@link Frontier} row: the roots of the perfect subtrees along the
 * right edge, i.e. the binary decomposition of the size, largest first (O(log n)).
 * {@link appendLeaves} turns (frontier, new leaf hashes) into the new frontier plus the
 * nodes to insert, without reading anything else.
 *
 * ## Why proofs need only O(log n) stored hashes
 * Every element of an RFC 9162 inclusion or consistency proof is MTH(D[a:b]) for a
 * range met while splitting [0, n) at the largest power of two k < length. Ranges
 * that lie left of the split are perfect and stored as-is. Only a range that reaches
 * the right edge (b = n) can be non-perfect, and at most one proof element is such
 * a range (once the descent turns left it never touches the right edge again). Its
 * hash is MTH over the binary decomposition of b − a into aligned perfect nodes,
 * folded right to left — at most log2(n) more stored nodes. So a proof needs at most
 * ~2·log2(n) + 2 perfect nodes and nothing is ever rebuilt from leaves.
 *
 * ## Using it from a store
 *   const refs = inclusionProofNodes(index, size);          // pure planning
 *   const ids = nodesToFetch(refs);                          // distinct (level, index)
 *   const rows = SELECT ... WHERE (level, index) IN (ids);   // ONE query
 *   const proof = assembleInclusionProof(alg, refs, lookupFrom(rows));
 * The same for consistencyProofNodes / assembleConsistencyProof. Proofs for an older
 * size (a past checkpoint) work the same: every node they reference was complete then.
 */
import { LOG_HASH_SIZE, LogHashAlg, emptyRoot, isLogHash, nodeHash } from './hash';
import {
  assertCount,
  isPowerOfTwo,
  largestPowerOfTwoAtMost,
  largestPowerOfTwoBelow,
  log2Exact,
  popcount,
} from './bits';

/** Roots of the perfect subtrees on the right edge of a tree of `size` leaves, largest first. */
export type Frontier = { size: number; hashes: Buffer[] };

/** Address of a stored perfect-subtree hash: covers leaves [index·2^level, (index+1)·2^level). */
export type NodeId = { level: number; index: number };

/** A node produced by an append, to be inserted into the store. */
export type StoredNode = NodeId & { hash: Buffer };

/**
 * One proof element: either a stored perfect node, or the hash of a non-perfect
 * right-edge range [start, end), resolvable via {@link rangeToPerfectNodes}.
 */
export type ProofRef =
  | { kind: 'node'; level: number; index: number }
  | { kind: 'range'; start: number; end: number };

/** Hash of stored node (level, index), or undefined when the store does not have it. */
export type NodeLookup = (level: number, index: number) => Buffer | undefined;

export const EMPTY_FRONTIER: Frontier = Object.freeze({ size: 0, hashes: Object.freeze([]) }) as unknown as Frontier;

/** A stable string key for (level, index), handy for Map-based lookups. */
export const nodeKey = (level: number, index: number): string => `${level}/${index}`;

/** A lookup over fetched rows, e.g. the result of the one query for {@link nodesToFetch}. */
export function nodeLookupFrom(rows: Iterable<StoredNode>): NodeLookup {
  const byKey = new Map<string, Buffer>();
  for (const row of rows) byKey.set(nodeKey(row.level, row.index), row.hash);
  return (level, index) => byKey.get(nodeKey(level, index));
}

// ---------------------------------------------------------------------------------
// Appending

function assertFrontier(frontier: Frontier): void {
  assertCount('frontier.size', frontier.size);
  if (frontier.hashes.length !== popcount(frontier.size)) {
    throw new RangeError(
      `frontier of size ${frontier.size} needs ${popcount(frontier.size)} hashes, has ${frontier.hashes.length}`,
    );
  }
}

/**
 * Appends leaf hashes to the tree described by `frontier`. Pure: returns the new
 * frontier and every node that became complete — node(0, n) for each leaf n, then
 * node(l, ⌊n/2^l⌋) for each level whose subtree the leaf completed. The input
 * frontier is not modified.
 */
export function appendLeaves(
  alg: LogHashAlg,
  frontier: Frontier,
  leafHashes: readonly Buffer[],
): { frontier: Frontier; newNodes: StoredNode[] } {
  assertFrontier(frontier);
  const edge = frontier.hashes.slice();
  const newNodes: StoredNode[] = [];
  let size = frontier.size;
  for (const leaf of leafHashes) {
    if (!isLogHash(leaf)) throw new RangeError(`leaf hash ${size} must be ${LOG_HASH_SIZE} bytes`);
    newNodes.push({ level: 0, index: size, hash: leaf });
    let hash = leaf;
    let level = 0;
    // Each trailing 1-bit of `size` is a same-height subtree on the edge to merge with.
    for (let rest = size; rest % 2 === 1; rest = (rest - 1) / 2) {
      hash = nodeHash(alg, edge.pop()!, hash);
      level++;
      newNodes.push({ level, index: Math.floor(size / 2 ** level), hash });
    }
    edge.push(hash);
    size++;
  }
  return { frontier: { size, hashes: edge }, newNodes };
}

/** RFC 9162 MTH of the whole tree: fold the right-edge subtrees right to left. */
export function rootFromFrontier(alg: LogHashAlg, frontier: Frontier): Buffer {
  assertFrontier(frontier);
  const { hashes } = frontier;
  if (hashes.length === 0) return emptyRoot(alg);
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(alg, hashes[i]!, root);
  return root;
}

/** The stored nodes whose hashes form the frontier of a tree of `size` leaves (to rebuild the row). */
export function frontierNodes(size: number): NodeId[] {
  assertCount('size', size);
  return size === 0 ? [] : rangeToPerfectNodes(0, size);
}

// ---------------------------------------------------------------------------------
// Ranges

/**
 * The aligned perfect nodes whose right-to-left fold is MTH(D[start:end]): the binary
 * decomposition of end − start, largest first. `start` must be aligned as in the RFC
 * decomposition, i.e. a multiple of the largest power of two ≤ end − start.
 */
export function rangeToPerfectNodes(start: number, end: number): NodeId[] {
  assertCount('start', start);
  assertCount('end', end, start + 1);
  const first = largestPowerOfTwoAtMost(end - start);
  if (start % first !== 0) {
    throw new RangeError(`range [${start}, ${end}) is not aligned to ${first}`);
  }
  const nodes: NodeId[] = [];
  for (let at = start; at < end; ) {
    const width = largestPowerOfTwoAtMost(end - at);
    nodes.push({ level: log2Exact(width), index: at / width });
    at += width;
  }
  return nodes;
}

/** MTH(D[start:end]) from stored perfect nodes (see {@link rangeToPerfectNodes}). */
export function subtreeHash(alg: LogHashAlg, start: number, end: number, lookup: NodeLookup): Buffer {
  if (start === end) return emptyRoot(alg);
  const nodes = rangeToPerfectNodes(start, end);
  let hash = fetchNode(lookup, nodes[nodes.length - 1]!);
  for (let i = nodes.length - 2; i >= 0; i--) hash = nodeHash(alg, fetchNode(lookup, nodes[i]!), hash);
  return hash;
}

function fetchNode(lookup: NodeLookup, node: NodeId): Buffer {
  const hash = lookup(node.level, node.index);
  if (!hash) throw new Error(`Merkle node (${node.level}, ${node.index}) is missing from the store`);
  return hash;
}

function refForRange(start: number, end: number): ProofRef {
  const width = end - start;
  return isPowerOfTwo(width)
    ? { kind: 'node', level: log2Exact(width), index: start / width }
    : { kind: 'range', start, end };
}

// ---------------------------------------------------------------------------------
// Proof planning (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF, iteratively)

/** References for the inclusion proof of leaf `index` in a tree of `size` leaves, leaf to root. */
export function inclusionProofNodes(index: number, size: number): ProofRef[] {
  assertCount('size', size, 1);
  assertCount('index', index);
  if (index >= size) throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  const topDown: ProofRef[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (index < start + k) {
      topDown.push(refForRange(start + k, end));
      end = start + k;
    } else {
      topDown.push(refForRange(start, start + k));
      start += k;
    }
  }
  return topDown.reverse();
}

/** References for the consistency proof between tree sizes `from` ≤ `to`; empty if from is 0 or to. */
export function consistencyProofNodes(from: number, to: number): ProofRef[] {
  assertCount('from', from);
  assertCount('to', to, from);
  if (from === 0 || from === to) return [];
  const topDown: ProofRef[] = [];
  let start = 0;
  let end = to;
  let m = from; // the old tree size, relative to start
  let isWholeOldTree = true; // SUBPROOF's flag b
  for (;;) {
    if (m === end - start) {
      if (!isWholeOldTree) topDown.push(refForRange(start, end));
      break;
    }
    const k = largestPowerOfTwoBelow(end - start);
    if (m <= k) {
      topDown.push(refForRange(start + k, end));
      end = start + k;
    } else {
      topDown.push(refForRange(start, start + k));
      start += k;
      m -= k;
      isWholeOldTree = false;
    }
  }
  return topDown.reverse();
}

/** The distinct stored nodes needed to resolve `refs`: fetch them all in one query. */
export function nodesToFetch(refs: readonly ProofRef[]): NodeId[] {
  const seen = new Set<string>();
  const nodes: NodeId[] = [];
  const add = (node: NodeId): void => {
    const key = nodeKey(node.level, node.index);
    if (!seen.has(key)) {
      seen.add(key);
      nodes.push(node);
    }
  };
  for (const ref of refs) {
    if (ref.kind === 'node') add({ level: ref.level, index: ref.index });
    else rangeToPerfectNodes(ref.start, ref.end).forEach(add);
  }
  return nodes;
}

function resolveRefs(alg: LogHashAlg, refs: readonly ProofRef[], lookup: NodeLookup): Buffer[] {
  return refs.map((ref) =>
    ref.kind === 'node' ? fetchNode(lookup, ref) : subtreeHash(alg, ref.start, ref.end, lookup),
  );
}

/** The RFC 9162 inclusion proof (audit path) for refs from {@link inclusionProofNodes}. */
export function assembleInclusionProof(alg: LogHashAlg, refs: readonly ProofRef[], lookup: NodeLookup): Buffer[] {
  return resolveRefs(alg, refs, lookup);
}

/** The RFC 9162 consistency proof for refs from {@link consistencyProofNodes}. */
export function assembleConsistencyProof(alg: LogHashAlg, refs: readonly ProofRef[], lookup: NodeLookup): Buffer[] {
  return resolveRefs(alg, refs, lookup);
}
