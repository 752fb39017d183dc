import fc from 'fast-check';
import { canonicalJson, canonicalSlow } from '../../gateway/crypto/canonical';

/** The fast path (sorted copy + JSON.stringify) must give exactly the reference loop's text, and the same errors. */
describe('canonicalJson fast path', () => {
  test('equals the reference implementation on arbitrary JSON, in any key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalSlow(v));
        const reversed = JSON.parse(JSON.stringify(v), (_k, x) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        );
        expect(canonicalJson(reversed)).toBe(canonicalSlow(v));
      }),
      { numRuns: 500 },
    );
  });

  test('keys JavaScript orders itself (integer-like, __proto__), undefined members and odd strings', () => {
    const cases: unknown[] = [
      { '10': 1, '9': 2, a: 3, '01': 4, '-1': 5 },
      JSON.parse('{"__proto__": {"x": 1}, "b": 2}'),
      { b: undefined, a: [undefined, 1], c: null },
      { '\ud800': 'lone', '\u2028': '\u2029', z: '"\\\u0000' },
      [{ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } }],
      { a: -0, b: 1e21, c: 5e-7, d: 0.1 + 0.2 },
      // UTF-16 code units, not code points: U+1F600 (\ud83d\ude00) sorts before U+FFFF
      { '\uffff': 1, '\ud83d\ude00': 2, 'é': 3, E: 4, e: 5, '': 6, ee: 7, 'e\u0000': 8 },
      // more keys than the insertion sort takes (Array#sort then), and exactly as many
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 17) % 40}`, i])),
      Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`k${(i * 7) % 24}`, { z: i, y: [i], x: null }])),
    ];
    for (const v of cases) expect(canonicalJson(v)).toBe(canonicalSlow(v));
  });

  test('what JSON cannot hold is refused as before; non-plain objects take the reference path', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    const d = new Date(0);
    expect(canonicalJson({ d })).toBe(canonicalSlow({ d }));
    expect(canonicalJson({ d })).toBe('{"d":{}}');
  });
});
