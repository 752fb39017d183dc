import vectors from './fixtures/rfc6962-vectors.json';
import { emptyRoot, leafHash, nodeHash } from '../../gateway/merkle/hash';
import {
  appendLeaves,
  assembleConsistencyProof,
  assembleInclusionProof,
  consistencyProofNodes,
  EMPTY_FRONTIER,
  inclusionProofNodes,
  rootFromFrontier,
  subtreeHash,
} from '../../gateway/merkle/tree';
import { rootFromLeaves, TreeBuilder, verifyConsistency, verifyInclusion } from '../../gateway/merkle/verify';
import { MemoryNodeStore } from './reference';

// Published RFC 6962 / RFC 9162 test data (transparency-dev/merkle), stored in fixtures/.
const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const hexes = (hs: readonly string[]): Buffer[] => hs.map(hex);
const alg = 'sha256' as const;
const entries = hexes(vectors.leafInputs);
const leaves = entries.map((e) => leafHash(alg, e));
const roots = hexes(vectors.rootsBySize);
const someHash = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

const store = new MemoryNodeStore(alg);
leaves.forEach((leaf) => store.append([leaf]));

describe('RFC 6962 test vectors: hashes and roots', () => {
  test('the published 8-leaf root', () => {
    expect(rootFromLeaves(alg, leaves).toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
  });

  test('empty tree root is SHA-256("")', () => {
    expect(emptyRoot(alg).toString('hex')).toBe(vectors.emptyRoot);
    expect(rootFromFrontier(alg, EMPTY_FRONTIER)).toEqual(hex(vectors.emptyRoot));
    expect(rootFromLeaves(alg, [])).toEqual(hex(vectors.emptyRoot));
    expect(new TreeBuilder(alg).root()).toEqual(hex(vectors.emptyRoot));
  });

  test('leaf hashes equal the published level-0 node hashes', () => {
    expect(leaves.map((l) => l.toString('hex'))).toEqual(vectors.nodeHashes[0]);
  });

  test('appendLeaves writes exactly the published perfect-subtree hashes', () => {
    const expected = vectors.nodeHashes.flatMap((level, l) => level.map((h, i) => [`${l}/${i}`, h]));
    const written = [...store.nodes].map(([key, hash]) => [key, hash.toString('hex')]);
    expect(written.sort()).toEqual(expected.sort());
    // n leaves make 2n - popcount(n) nodes: 15 for 8.
    expect(store.nodes.size).toBe(15);
  });

  test.each(roots.map((root, size) => [size, root] as const))('root of size %i', (size, root) => {
    expect(rootFromLeaves(alg, leaves.slice(0, size))).toEqual(root);
    expect(rootFromFrontier(alg, store.frontierHistory[size]!)).toEqual(root);
    expect(subtreeHash(alg, 0, size, store.lookupAt(size))).toEqual(root);
    const builder = new TreeBuilder(alg);
    entries.slice(0, size).forEach((e) => builder.pushEntry(e));
    expect(builder.root()).toEqual(root);
  });

  test('a batch append gives the same frontier and nodes as one-by-one appends', () => {
    const { frontier, newNodes } = appendLeaves(alg, EMPTY_FRONTIER, leaves);
    expect(frontier).toEqual(store.frontier);
    expect(newNodes.map((n) => [`${n.level}/${n.index}`, n.hash])).toEqual([...store.nodes]);
  });

  test('nodeHash(leaf0, leaf1) is the published node (1, 0)', () => {
    expect(nodeHash(alg, leaves[0]!, leaves[1]!).toString('hex')).toBe(vectors.nodeHashes[1]![0]);
  });
});

describe.each(vectors.inclusionProofs)('RFC 6962 inclusion proof: leaf $index in size $size', ({ index, size, proof }) => {
  const expected = hexes(proof);
  const root = roots[size]!;
  const leaf = leaves[index]!;

  test('the storage model yields the published proof', () => {
    const refs = inclusionProofNodes(index, size);
    expect(assembleInclusionProof(alg, refs, store.lookupAt(size))).toEqual(expected);
  });

  test('it verifies', () => {
    expect(verifyInclusion(alg, index, size, leaf, expected, root)).toBe(true);
  });

  // The corruption probes of transparency-dev's verify_test.go.
  const probes: [string, number, number, Buffer, Buffer[], Buffer][] = [
    ['index - 1', index - 1, size, leaf, expected, root],
    ['index + 1', index + 1, size, leaf, expected, root],
    ['index ^ 2', index ^ 2, size, leaf, expected, root],
    ['size * 2', index, size * 2, leaf, expected, root],
    ['size / 2', index, Math.floor(size / 2), leaf, expected, root],
    ['wrong leaf', index, size, Buffer.from('WrongLeaf'), expected, root],
    ['other leaf', index, size, someHash, expected, root],
    ['empty root', index, size, leaf, expected, emptyRoot(alg)],
    ['random root', index, size, leaf, expected, someHash],
    ['trailing garbage', index, size, leaf, [...expected, Buffer.alloc(0)], root],
    ['trailing root', index, size, leaf, [...expected, root], root],
    ['preceding garbage', index, size, leaf, [Buffer.alloc(0), ...expected], root],
    ['preceding root', index, size, leaf, [root, ...expected], root],
    ...expected.map((_, i): [string, number, number, Buffer, Buffer[], Buffer] => {
      const wrong = expected.map((p) => Buffer.from(p));
      wrong[i]![0]! ^= 8;
      return [`proof[${i}] bit 3 flipped`, index, size, leaf, wrong, root];
    }),
  ];
  if (expected.length > 0) probes.push(['removed component', index, size, leaf, expected.slice(0, -1), root]);
  if (expected.length > 1) {
    probes.push(['inserted component', index, size, leaf, [expected[0]!, someHash, ...expected.slice(1)], root]);
  }
  test.each(probes)('rejects: %s', (_desc, i, n, l, p, r) => {
    expect(verifyInclusion(alg, i, n, l, p, r)).toBe(false);
  });
});

describe.each(vectors.consistencyProofs)('RFC 6962 consistency proof: $from → $to', ({ from, to, proof }) => {
  const expected = hexes(proof);
  const root1 = roots[from]!;
  const root2 = roots[to]!;

  test('the storage model yields the published proof', () => {
    const refs = consistencyProofNodes(from, to);
    expect(assembleConsistencyProof(alg, refs, store.lookupAt(to))).toEqual(expected);
  });

  test('it verifies', () => {
    expect(verifyConsistency(alg, from, to, expected, root1, root2)).toBe(true);
  });

  if (expected.length === 0) return;
  const probes: [string, number, number, Buffer[], Buffer, Buffer][] = [
    ['from - 1', from - 1, to, expected, root1, root2],
    ['from + 1', from + 1, to, expected, root1, root2],
    ['from ^ 2', from ^ 2, to, expected, root1, root2],
    ['to * 2', from, to * 2, expected, root1, root2],
    ['to / 2', from, Math.floor(to / 2), expected, root1, root2],
    ['wrong root1', from, to, expected, Buffer.from('WrongRoot'), root2],
    ['wrong root2', from, to, expected, root1, Buffer.from('WrongRoot')],
    ['swapped roots', from, to, expected, root2, root1],
    ['empty proof', from, to, [], root1, root2],
    ['trailing garbage', from, to, [...expected, Buffer.alloc(0)], root1, root2],
    ['trailing root1', from, to, [...expected, root1], root1, root2],
    ['trailing root2', from, to, [...expected, root2], root1, root2],
    ['preceding garbage', from, to, [Buffer.alloc(0), ...expected], root1, root2],
    ['preceding root1', from, to, [root1, ...expected], root1, root2],
    ['preceding root2', from, to, [root2, ...expected], root1, root2],
    ['preceding proof[0]', from, to, [expected[0]!, ...expected], root1, root2],
    ['truncated proof', from, to, expected.slice(0, -1), root1, root2],
    ...expected.map((_, i): [string, number, number, Buffer[], Buffer, Buffer] => {
      const wrong = expected.map((p) => Buffer.from(p));
      wrong[i]![0]! ^= 16;
      return [`proof[${i}] bit 4 flipped`, from, to, wrong, root1, root2];
    }),
  ];
  test.each(probes)('rejects: %s', (_desc, m, n, p, r1, r2) => {
    expect(verifyConsistency(alg, m, n, p, r1, r2)).toBe(false);
  });
});

describe('RFC 9162 edge cases (transparency-dev TestVerifyConsistency / TestVerifyInclusion)', () => {
  const empty = hex(vectors.emptyRoot);
  const r1 = leaves[0]!;
  const r2 = leaves[1]!;
  test.each([
    ['0 → 0, different roots', 0, 0, r1, r2, [], false],
    ['1 → 1, different roots', 1, 1, r1, r2, [], false],
    ['0 → 0, same empty root', 0, 0, empty, empty, [], true],
    ['0 → 1, empty root, empty proof', 0, 1, empty, r2, [], true],
    ['0 → 1, non-empty root1', 0, 1, r1, r2, [], false],
    ['1 → 1, same root', 1, 1, r2, r2, [], true],
    ['1 → 0, time travel', 1, 0, r1, r2, [], false],
    ['2 → 1, time travel', 2, 1, r1, r2, [], false],
    ['1 → 2, empty proof', 1, 2, r1, r2, [], false],
    ['0 → 0, proof not empty', 0, 0, empty, empty, [empty], false],
    ['0 → 1, proof not empty', 0, 1, empty, empty, [empty], false],
    ['1 → 1, proof not empty', 1, 1, empty, empty, [empty], false],
  ] as const)('consistency %s', (_d, m, n, a, b, p, ok) => {
    expect(verifyConsistency(alg, m, n, [...p], a, b)).toBe(ok);
  });

  test.each([
    [0, 0],
    [0, 1],
    [1, 0],
    [2, 1],
  ])('inclusion of index %i in size %i with an empty proof and mismatched hashes fails', (index, size) => {
    expect(verifyInclusion(alg, index, size, someHash, [], Buffer.alloc(0))).toBe(false);
    expect(verifyInclusion(alg, index, size, Buffer.alloc(0), [], empty)).toBe(false);
    expect(verifyInclusion(alg, index, size, someHash, [], empty)).toBe(false);
  });

  test('single-entry tree: root equals leaf hash, proof empty', () => {
    const hash = leafHash(alg, 'data');
    expect(verifyInclusion(alg, 0, 1, hash, [], hash)).toBe(true);
    expect(verifyInclusion(alg, 0, 1, Buffer.alloc(0), [], hash)).toBe(false);
    expect(verifyInclusion(alg, 0, 1, hash, [], Buffer.alloc(0))).toBe(false);
  });
});
