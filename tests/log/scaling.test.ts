import fc from 'fast-check';
import {
  consistencyProofNodes,
  inclusionProofNodes,
  NodeId,
  nodesToFetch,
  ProofRef,
  rangeToPerfectNodes,
} from '../../gateway/merkle/tree';

// Pure counting: how many stored perfect-subtree hashes does a proof need? No hashing.
const bound = (n: number): number => 2 * Math.log2(n) + 2;

const spanOf = (ref: ProofRef): [number, number] =>
  ref.kind === 'node' ? [ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level] : [ref.start, ref.end];

const completeWithin = (size: number) => (node: NodeId) => (node.index + 1) * 2 ** node.level <= size;

/** Inclusion refs plus the leaf itself tile [0, size) exactly. */
function tilesTheTree(index: number, size: number, refs: ProofRef[]): boolean {
  const spans = [...refs.map(spanOf), [index, index + 1] as [number, number]].sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [start, end] of spans) {
    if (start !== at || end <= start) return false;
    at = end;
  }
  return at === size;
}

function checkInclusion(index: number, size: number): void {
  const refs = inclusionProofNodes(index, size);
  const nodes = nodesToFetch(refs);
  expect(nodes.length).toBeLessThanOrEqual(bound(size));
  expect(refs.length).toBeLessThanOrEqual(Math.ceil(Math.log2(size)));
  expect(refs.filter((r) => r.kind === 'range').length).toBeLessThanOrEqual(1);
  expect(nodes.every(completeWithin(size))).toBe(true);
  expect(tilesTheTree(index, size, refs)).toBe(true);
}

function checkConsistency(from: number, to: number): void {
  const refs = consistencyProofNodes(from, to);
  const nodes = nodesToFetch(refs);
  expect(nodes.length).toBeLessThanOrEqual(bound(to));
  expect(refs.length).toBeLessThanOrEqual(Math.ceil(Math.log2(to)) + 1);
  expect(refs.filter((r) => r.kind === 'range').length).toBeLessThanOrEqual(1);
  expect(nodes.every(completeWithin(to))).toBe(true);
}

describe('proofs need O(log n) stored nodes: at most 2·log2(n) + 2', () => {
  test('every inclusion proof and every consistency proof for sizes up to 300', () => {
    const overBound: string[] = [];
    for (let size = 1; size <= 300; size++) {
      for (let i = 0; i < size; i++) {
        const refs = inclusionProofNodes(i, size);
        if (nodesToFetch(refs).length > bound(size)) overBound.push(`inclusion ${i} in ${size}`);
        if (!tilesTheTree(i, size, refs)) overBound.push(`inclusion ${i} in ${size} does not tile`);
      }
      for (let from = 0; from <= size; from++) {
        if (nodesToFetch(consistencyProofNodes(from, size)).length > bound(size)) {
          overBound.push(`consistency ${from} → ${size}`);
        }
      }
    }
    expect(overBound).toEqual([]);
  });

  test('random positions in logs of up to 10^6 entries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.nat(), fc.nat(), (size, i, j) => {
        checkInclusion(i % size, size);
        const to = 1 + (j % size);
        checkConsistency(i % (to + 1), to);
        checkConsistency(j % (size + 1), size);
      }),
      { numRuns: 2000 },
    );
  });

  test.each([
    [1_000_000, 999_999],
    [1_000_000, 0],
    [2 ** 20 - 1, 2 ** 20 - 2], // all ones: the longest right edge
    [2 ** 20 - 1, 2 ** 19],
    [2 ** 20, 2 ** 20 - 1],
    [2 ** 19 + 1, 2 ** 19],
    [999_983, 524_287],
  ])('edge cases: size %i, index/from %i', (size, position) => {
    checkInclusion(position, size);
    checkConsistency(position, size);
    checkConsistency(size - 1, size);
    checkConsistency(1, size);
  });

  test('sizes beyond 2^32 use no 32-bit arithmetic', () => {
    const size = 2 ** 40 + 12_345;
    for (const index of [0, 2 ** 33 + 7, size - 1, 2 ** 40 - 1, 2 ** 40]) checkInclusion(index, size);
    for (const from of [1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, size - 1]) checkConsistency(from, size);
    expect(rangeToPerfectNodes(2 ** 40, size)).toEqual([
      { level: 13, index: 2 ** 27 },
      { level: 12, index: 2 ** 28 + 2 },
      { level: 5, index: (2 ** 40 + 12_288) / 32 },
      { level: 4, index: (2 ** 40 + 12_320) / 16 },
      { level: 3, index: (2 ** 40 + 12_336) / 8 },
      { level: 0, index: 2 ** 40 + 12_344 },
    ]);
  });

  test('rangeToPerfectNodes decomposes a right-edge range largest first and refuses unaligned starts', () => {
    expect(rangeToPerfectNodes(8, 15)).toEqual([
      { level: 2, index: 2 },
      { level: 1, index: 6 },
      { level: 0, index: 14 },
    ]);
    expect(rangeToPerfectNodes(0, 1)).toEqual([{ level: 0, index: 0 }]);
    expect(() => rangeToPerfectNodes(2, 7)).toThrow(RangeError);
    expect(() => rangeToPerfectNodes(5, 5)).toThrow(RangeError);
  });
});
