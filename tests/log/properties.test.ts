import fc from 'fast-check';
import { LOG_HASH_ALGS, LogHashAlg, leafHash } from '../../gateway/merkle/hash';
import {
  appendLeaves,
  assembleConsistencyProof,
  assembleInclusionProof,
  consistencyProofNodes,
  EMPTY_FRONTIER,
  frontierNodes,
  inclusionProofNodes,
  nodeKey,
  nodeLookupFrom,
  nodesToFetch,
  ProofRef,
  StoredNode,
  rootFromFrontier,
  subtreeHash,
} from '../../gateway/merkle/tree';
import { TreeBuilder, rootFromLeaves, verifyConsistency, verifyInclusion } from '../../gateway/merkle/verify';
import { popcount } from '../../gateway/merkle/bits';
import { MemoryNodeStore, ReferenceTree, entriesFor, hex, refLeafHash } from './reference';

/** A log of n entries, appended in batches of the given sizes (cycled). */
function buildLog(alg: LogHashAlg, n: number, batchSizes: number[], seed: number) {
  const leaves = entriesFor(seed, n).map((e) => leafHash(alg, e));
  const reference = new ReferenceTree(alg, leaves);
  const store = new MemoryNodeStore(alg);
  const sizes = batchSizes.length > 0 ? batchSizes : [1];
  for (let at = 0, b = 0; at < n; b++) {
    const next = Math.min(n, at + sizes[b % sizes.length]!);
    store.append(leaves.slice(at, next));
    at = next;
  }
  return { leaves, reference, store };
}

const logArb = fc.record({
  n: fc.integer({ min: 1, max: 300 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 8 }),
  seed: fc.nat(),
});

const flipped = (hash: Buffer, bit = 0): Buffer => {
  const copy = Buffer.from(hash);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
};

/** Assembles a proof the way a store would: one fetch of nodesToFetch(refs), then only those rows. */
function assemble(
  store: MemoryNodeStore,
  size: number,
  refs: ProofRef[],
  kind: 'inclusion' | 'consistency',
): Buffer[] {
  const lookup = store.lookupAt(size);
  const rows: StoredNode[] = nodesToFetch(refs).map(({ level, index }) => ({ level, index, hash: lookup(level, index)! }));
  const fromRows = nodeLookupFrom(rows);
  const used = new Set<string>();
  const tracked = (level: number, index: number) => {
    used.add(nodeKey(level, index));
    return fromRows(level, index);
  };
  const proof =
    kind === 'inclusion'
      ? assembleInclusionProof(store.alg, refs, tracked)
      : assembleConsistencyProof(store.alg, refs, tracked);
  expect(used.size).toBe(rows.length); // nothing fetched in vain, nothing fetched twice
  return proof;
}

describe.each(LOG_HASH_ALGS)('%s: storage model against the recursive reference', (alg) => {
  test('frontier root and TreeBuilder root equal the reference MTH after every append', () => {
    fc.assert(
      fc.property(logArb, ({ n, seed }) => {
        const leaves = entriesFor(seed, n).map((e) => leafHash(alg, e));
        const reference = new ReferenceTree(alg, leaves);
        const builder = new TreeBuilder(alg);
        let frontier = EMPTY_FRONTIER;
        for (let size = 1; size <= n; size++) {
          frontier = appendLeaves(alg, frontier, [leaves[size - 1]!]).frontier;
          builder.push(leaves[size - 1]!);
          const root = reference.root(size);
          expect(hex(rootFromFrontier(alg, frontier))).toBe(hex(root));
          expect(hex(builder.root())).toBe(hex(root));
          expect(hex(builder.rightEdge())).toBe(hex(frontier.hashes));
        }
        expect(hex(rootFromLeaves(alg, leaves))).toBe(hex(reference.root()));
      }),
      { numRuns: 40 },
    );
  });

  test('batched appends write every complete perfect subtree once, and the same frontier', () => {
    fc.assert(
      fc.property(logArb, ({ n, batchSizes, seed }) => {
        const { leaves, reference, store } = buildLog(alg, n, batchSizes, seed);
        expect(store.nodes.size).toBe(2 * n - popcount(n));
        for (const [key, hash] of store.nodes) {
          const [level, index] = key.split('/').map(Number) as [number, number];
          expect(hex(hash)).toBe(hex(reference.mth(index * 2 ** level, (index + 1) * 2 ** level)));
        }
        const oneShot = appendLeaves(alg, EMPTY_FRONTIER, leaves);
        expect(store.frontier.size).toBe(oneShot.frontier.size);
        expect(hex(store.frontier.hashes)).toBe(hex(oneShot.frontier.hashes));
        expect(oneShot.newNodes).toHaveLength(store.nodes.size);
        // The frontier row can be rebuilt from stored nodes, and each batch's frontier gives that size's root.
        const lookup = store.lookupAt(n);
        expect(hex(frontierNodes(n).map((id) => lookup(id.level, id.index)!))).toBe(hex(store.frontier.hashes));
        for (const f of store.frontierHistory) expect(hex(rootFromFrontier(alg, f))).toBe(hex(reference.root(f.size)));
      }),
      { numRuns: 40 },
    );
  });

  test('inclusion proofs for every leaf equal PATH, verify, and fail when anything is altered', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.nat(), ({ n, batchSizes, seed }, pick, otherPick) => {
        const { leaves, reference, store } = buildLog(alg, n, batchSizes, seed);
        const root = reference.root();
        const wronglyAccepted: string[] = [];
        const mustReject = (desc: string, verified: boolean) => verified && wronglyAccepted.push(desc);
        for (let index = 0; index < n; index++) {
          const proof = assemble(store, n, inclusionProofNodes(index, n), 'inclusion');
          expect(hex(proof)).toBe(hex(reference.inclusionProof(index, n)));
          const leaf = leaves[index]!;
          expect(verifyInclusion(alg, index, n, leaf, proof, root)).toBe(true);

          proof.forEach((p, i) => {
            const bad = proof.slice();
            bad[i] = flipped(p, (pick + i) % 256);
            mustReject(`#${index} proof[${i}] flipped`, verifyInclusion(alg, index, n, leaf, bad, root));
          });
          const forged = refLeafHash(alg, Buffer.from('forged'));
          mustReject(`#${index} leaf flipped`, verifyInclusion(alg, index, n, flipped(leaf, pick % 256), proof, root));
          mustReject(`#${index} forged leaf`, verifyInclusion(alg, index, n, forged, proof, root));
          mustReject(`#${index} root flipped`, verifyInclusion(alg, index, n, leaf, proof, flipped(root, pick % 256)));
          if (n > 1) {
            const other = (index + 1 + (otherPick % (n - 1))) % n;
            mustReject(`#${index} as #${other}`, verifyInclusion(alg, other, n, leaf, proof, root));
            mustReject(`#${index} as next`, verifyInclusion(alg, (index + 1) % n, n, leaf, proof, root));
            mustReject(`#${index} first dropped`, verifyInclusion(alg, index, n, leaf, proof.slice(1), root));
          }
          mustReject(`#${index} extended`, verifyInclusion(alg, index, n, leaf, [...proof, root], root));
          mustReject(`#${index} beyond size`, verifyInclusion(alg, n + index, n, leaf, proof, root));
        }
        expect(wronglyAccepted).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  test('inclusion proofs at an older checkpoint size use only nodes complete at that size', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.nat(), ({ n, batchSizes, seed }, sizePick, indexPick) => {
        const { leaves, reference, store } = buildLog(alg, n, batchSizes, seed);
        const size = 1 + (sizePick % n);
        const index = indexPick % size;
        const refs = inclusionProofNodes(index, size);
        // lookupAt(size) throws on any node not complete within `size`.
        const proof = assembleInclusionProof(alg, refs, store.lookupAt(size));
        expect(hex(proof)).toBe(hex(reference.inclusionProof(index, size)));
        expect(verifyInclusion(alg, index, size, leaves[index]!, proof, reference.root(size))).toBe(true);
        expect(hex(subtreeHash(alg, 0, size, store.lookupAt(size)))).toBe(hex(reference.root(size)));
      }),
    );
  });

  test('consistency proofs for every from ≤ to equal PROOF, verify, and fail when anything is altered', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.nat(), ({ n, batchSizes, seed }, toPick, pick) => {
        const { reference, store } = buildLog(alg, n, batchSizes, seed);
        const wronglyAccepted: string[] = [];
        const mustReject = (desc: string, verified: boolean) => verified && wronglyAccepted.push(desc);
        for (const to of new Set([n, 1 + (toPick % n)])) {
          const root2 = reference.root(to);
          for (let from = 0; from <= to; from++) {
            const proof = assemble(store, to, consistencyProofNodes(from, to), 'consistency');
            expect(hex(proof)).toBe(hex(reference.consistencyProof(from, to)));
            const root1 = reference.root(from);
            const at = `${from}→${to}`;
            expect(verifyConsistency(alg, from, to, proof, root1, root2)).toBe(true);
            mustReject(`${at} root1 flipped`, verifyConsistency(alg, from, to, proof, flipped(root1, pick % 256), root2));
            if (from === 0) continue; // every tree extends the empty tree: root2 is not constrained
            mustReject(`${at} root2 flipped`, verifyConsistency(alg, from, to, proof, root1, flipped(root2, pick % 256)));
            if (from === to) continue;
            proof.forEach((p, i) => {
              const bad = proof.slice();
              bad[i] = flipped(p, (pick + i) % 256);
              mustReject(`${at} proof[${i}] flipped`, verifyConsistency(alg, from, to, bad, root1, root2));
            });
            mustReject(`${at} truncated`, verifyConsistency(alg, from, to, proof.slice(0, -1), root1, root2));
            mustReject(`${at} extended`, verifyConsistency(alg, from, to, [...proof, root2], root1, root2));
            mustReject(`${at} from - 1`, verifyConsistency(alg, from - 1, to, proof, root1, root2));
            mustReject(`${at} from + 1`, verifyConsistency(alg, from + 1, to, proof, root1, root2));
            mustReject(`${at} roots swapped`, verifyConsistency(alg, from, to, proof, root2, root1));
          }
        }
        expect(wronglyAccepted).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('exhaustive small trees (sha256 and sm3)', () => {
  test.each(LOG_HASH_ALGS)('%s: every inclusion and consistency proof up to 64 leaves', (alg) => {
    const { leaves, reference, store } = buildLog(alg, 64, [3, 1, 7], 42);
    for (let size = 1; size <= 64; size++) {
      const root = reference.root(size);
      for (let index = 0; index < size; index++) {
        const proof = assembleInclusionProof(alg, inclusionProofNodes(index, size), store.lookupAt(size));
        expect(hex(proof)).toBe(hex(reference.inclusionProof(index, size)));
        expect(verifyInclusion(alg, index, size, leaves[index]!, proof, root)).toBe(true);
      }
      for (let from = 0; from <= size; from++) {
        const proof = assembleConsistencyProof(alg, consistencyProofNodes(from, size), store.lookupAt(size));
        expect(hex(proof)).toBe(hex(reference.consistencyProof(from, size)));
        expect(verifyConsistency(alg, from, size, proof, reference.root(from), root)).toBe(true);
      }
    }
  });

  test('the two algorithms give different trees over the same entries', () => {
    const entries = entriesFor(7, 5);
    const roots = LOG_HASH_ALGS.map((alg) => rootFromLeaves(alg, entries.map((e) => leafHash(alg, e))));
    expect(hex(roots[0]!)).not.toBe(hex(roots[1]!));
  });

  test('proofs refuse out-of-range arguments and report a missing stored node', () => {
    expect(() => inclusionProofNodes(5, 5)).toThrow(RangeError);
    expect(() => inclusionProofNodes(0, 0)).toThrow(RangeError);
    expect(() => consistencyProofNodes(6, 5)).toThrow(RangeError);
    expect(() => inclusionProofNodes(0.5, 5)).toThrow(RangeError);
    const refs = inclusionProofNodes(3, 6);
    expect(() => assembleInclusionProof('sha256', refs, () => undefined)).toThrow(/missing from the store/);
    expect(() => appendLeaves('sha256', { size: 3, hashes: [] }, [])).toThrow(RangeError);
    expect(() => appendLeaves('sha256', EMPTY_FRONTIER, [Buffer.alloc(31)])).toThrow(RangeError);
    expect(EMPTY_FRONTIER.size).toBe(0); // appends never mutate the shared empty frontier
  });
});
