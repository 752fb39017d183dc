import fc from 'fast-check';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { requestText } from '../../gateway/exchange/push';

describe('RFC 8785 canonical JSON', () => {
  test('RFC 8785 §3.2.2 sample: key order by UTF-16 code units, number forms', () => {
    const input = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '\u0080': 4, '1': 5, 'ö': 6 })).toBe(
      '{"\\r":2,"1":5,"\u0080":4,"ö":6,"\u20ac":1,"\ud83d\ude00":3}',
    );
  });

  test('canonical text parses back to the same value and is invariant to key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalJson(v);
        expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(v)));
        const reordered = JSON.parse(JSON.stringify(v), (_k, x) =>
          x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
        );
        expect(canonicalJson(reordered)).toBe(c);
      }),
    );
  });

  test('NaN and Infinity are refused', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(TypeError);
    expect(() => canonicalJson([Infinity])).toThrow(TypeError);
  });

  test('the push request text equals the canonical form of the request object', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.option(fc.string(), { nil: null }), fc.jsonValue(), (to, type, purpose, caseId, payload) => {
        expect(requestText({ to, type, purpose }, caseId, canonicalJson(payload))).toBe(canonicalJson({ to, type, purpose, caseId, payload }));
      }),
    );
  });
});
