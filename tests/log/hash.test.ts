import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  emptyRoot,
  isLogHash,
  isLogHashAlg,
  LOG_HASH_ALGS,
  LOG_HASH_SIZE,
  leafHash,
  nodeHash,
} from '../../gateway/merkle/hash';
import vectors from './fixtures/rfc6962-vectors.json';
import { TreeBuilder, rootFromLeaves } from '../../gateway/merkle/verify';

const H = (alg: string, ...parts: (Buffer | string)[]): Buffer => {
  const h = createHash(alg);
  for (const part of parts) h.update(part);
  return h.digest();
};

describe('log hashing', () => {
  test('SM3 is the real GB/T 32905 SM3 ("abc" test vector)', () => {
    expect(createHash('sm3').update('abc').digest('hex')).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  test('emptyRoot is H("") and a fresh copy each time', () => {
    expect(emptyRoot('sha256').toString('hex')).toBe(vectors.emptyRoot);
    expect(emptyRoot('sm3').toString('hex')).toBe('1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');
    emptyRoot('sm3').fill(0);
    expect(emptyRoot('sm3')).toEqual(H('sm3', ''));
  });

  test('algorithm names', () => {
    expect(LOG_HASH_ALGS).toEqual(['sha256', 'sm3']);
    expect(isLogHashAlg('sm3')).toBe(true);
    expect(isLogHashAlg('md5')).toBe(false);
    expect(isLogHash(Buffer.alloc(32))).toBe(true);
    expect(isLogHash(Buffer.alloc(31))).toBe(false);
    expect(isLogHash('x'.repeat(32))).toBe(false);
  });

  describe.each(LOG_HASH_ALGS)('%s', (alg) => {
    test('leafHash = H(0x00 ‖ entry) and nodeHash = H(0x01 ‖ left ‖ right), 32 bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), (a, b) => {
          const entry = Buffer.from(a);
          const leaf = leafHash(alg, entry);
          expect(leaf).toEqual(H(alg, Buffer.of(0), entry));
          expect(leaf.length).toBe(LOG_HASH_SIZE);
          const other = leafHash(alg, Buffer.from(b));
          expect(nodeHash(alg, leaf, other)).toEqual(H(alg, Buffer.of(1), leaf, other));
        }),
      );
    });

    test('a string entry hashes as its UTF-8 bytes (including non-ASCII and astral text)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
          expect(leafHash(alg, text)).toEqual(H(alg, Buffer.of(0), Buffer.from(text, 'utf8')));
        }),
      );
      for (const text of ['', '公文 收文登记 🏛', 'lone \ud800 surrogate \udfff', '\u0000nul']) {
        expect(leafHash(alg, text)).toEqual(H(alg, Buffer.of(0), Buffer.from(text, 'utf8')));
      }
    });

    test('entries larger than the scratch buffer are streamed with the same result', () => {
      const big = Buffer.alloc(200_000, 0x5a);
      expect(leafHash(alg, big)).toEqual(H(alg, Buffer.of(0), big));
      const text = '办'.repeat(30_000);
      expect(leafHash(alg, text)).toEqual(H(alg, Buffer.of(0), Buffer.from(text, 'utf8')));
      // A later small hash is unaffected by the earlier large ones.
      expect(leafHash(alg, 'a')).toEqual(H(alg, Buffer.of(0), 'a'));
    });

    test('node hashes of non-32-byte inputs still follow the definition', () => {
      const short = Buffer.from('ab');
      const long = Buffer.alloc(5000, 3);
      expect(nodeHash(alg, short, long)).toEqual(H(alg, Buffer.of(1), short, long));
      expect(nodeHash(alg, leafHash(alg, 'x'), leafHash(alg, 'y'))).toEqual(
        H(alg, Buffer.of(1), leafHash(alg, 'x'), leafHash(alg, 'y')),
      );
    });

    test('returned hashes are independent of the internal scratch buffer', () => {
      const first = leafHash(alg, 'first');
      const copy = Buffer.from(first);
      nodeHash(alg, first, leafHash(alg, 'second'));
      leafHash(alg, 'third');
      expect(first).toEqual(copy);
    });

    test('domain separation: a leaf never hashes like a node over the same bytes', () => {
      const l = leafHash(alg, 'l');
      const r = leafHash(alg, 'r');
      expect(leafHash(alg, Buffer.concat([l, r]))).not.toEqual(nodeHash(alg, l, r));
    });
  });
});

// No published SM3 Merkle vectors exist; these roots of the RFC 6962 test leaves were
// computed independently with Python's hashlib (OpenSSL SM3) and a recursive MTH.
const SM3_ROOTS_BY_SIZE = [
  '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b',
  '2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf',
  '0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d',
  '209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56',
  '28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377',
  'bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b',
  '8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66',
  'bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2',
  'bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38',
];

test.each(SM3_ROOTS_BY_SIZE.map((root, size) => [size, root] as const))(
  'SM3 root of the RFC 6962 test leaves, size %i',
  (size, root) => {
    const entries = vectors.leafInputs.slice(0, size).map((h) => Buffer.from(h, 'hex'));
    expect(rootFromLeaves('sm3', entries.map((e) => leafHash('sm3', e))).toString('hex')).toBe(root);
    const builder = new TreeBuilder('sm3');
    entries.forEach((e) => builder.pushEntry(e));
    expect(builder.root().toString('hex')).toBe(root);
  },
);
