/**
 * Fuzzing the XML gate and the mapping engine (fast-check, bounded runs): arbitrary text,
 * arbitrary bytes and structured random XML either pass or are refused with the proper
 * error (UnsafeXmlError, CharsetError; GW_ERR_ADAPTER_* from a mapping), never anything
 * else, and never hang (each run is bounded by the input size and the limits).
 */
import fc from 'fast-check';
import { CharsetError, decodeXmlBody } from '../../adapters/soap/encoding';
import { parseEnvelope } from '../../adapters/soap/envelope';
import { UnsafeXmlError, parseXml } from '../../adapters/soap/safe-xml';
import { AdapterError } from '../../adapters/errors';
import * as amr from '../../adapters/amr-soap/mapping';
import * as tax from '../../adapters/tax-soap/mapping';
import type { Mapping } from '../../adapters/mapping';
import type { NativeObject } from '../../adapters/types';

const RUNS = { numRuns: 300 };
const small = { maxBytes: 64 * 1024, maxDepth: 8, maxElements: 200, maxAttributes: 200, maxAttributesPerElement: 8, maxTextNodes: 200, maxNameLength: 32, maxTextLength: 4096 };

/** Runs `fn`; an error other than the expected kinds fails the property. */
const refusedProperly = (fn: () => unknown, ...kinds: Array<new (...a: never[]) => Error>): boolean => {
  try {
    fn();
    return true;
  } catch (e) {
    if (kinds.some((k) => e instanceof k)) return true;
    throw e;
  }
};

/** Strings heavy in XML's special characters, so that markup is often almost right. */
const xmlish = fc.array(fc.oneof(
  fc.constantFrom('<', '>', '/', '&', ';', '"', "'", '=', ' ', '!', '?', '[', ']', '-', ':', '#', 'x', 'a', 'b', 'amp', 'lt', 'CDATA', 'DOCTYPE', 'xmlns', '\u0000', '\uFFFE', '\uD800', '中'),
  fc.string({ maxLength: 4 }),
), { maxLength: 80 }).map((parts) => parts.join(''));

describe('the gate on arbitrary input', () => {
  test('arbitrary text: parsed, or refused with UnsafeXmlError', () => {
    fc.assert(fc.property(fc.oneof(xmlish, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
      refusedProperly(() => parseXml(text, small), UnsafeXmlError);
      refusedProperly(() => parseEnvelope(text, small), UnsafeXmlError);
      refusedProperly(() => parseXml(`<a>${text}</a>`, small), UnsafeXmlError);
      refusedProperly(() => parseXml(`<a b="${text}"/>`, small), UnsafeXmlError);
      return true;
    }), RUNS);
  });

  test('arbitrary bytes with arbitrary charset labels: decoded and parsed, or refused with CharsetError / UnsafeXmlError', () => {
    const label = fc.option(fc.constantFrom('utf-8', 'gbk', 'gb2312', 'gb18030', 'latin1', 'utf-16le', 'x-nope'), { nil: undefined });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), label, fc.constantFrom('utf-8', 'gbk') as fc.Arbitrary<'utf-8' | 'gbk'>, (bytes, charset, fallback) => {
      refusedProperly(() => parseEnvelope(decodeXmlBody(Buffer.from(bytes), charset ? `text/xml; charset=${charset}` : undefined, fallback), small), CharsetError, UnsafeXmlError);
      return true;
    }), RUNS);
  });

  /** Well-formed random XML: prefixed and plain names, attributes, namespace declarations, text with references, CDATA, comments. */
  const name = fc.constantFrom('a', 'b', 'c', 'Body', 'Security', 'x:a', 'x:b');
  const text = fc.array(fc.constantFrom('t', ' ', '&amp;', '&#x4E2D;', '&lt;', '中', '<![CDATA[<&>]]>', '<!--c-->', '<?p x?>'), { maxLength: 5 }).map((p) => p.join(''));
  const element: fc.Arbitrary<string> = fc.letrec<{ el: string }>((tie) => ({
    el: fc.tuple(name, fc.array(fc.constantFrom(' k="v"', ' xmlns:x="urn:x"', " j='&quot;'"), { maxLength: 2 }), fc.array(fc.oneof({ depthSize: 'small' }, text, tie('el')), { maxLength: 4 }))
      .map(([n, attrs, content]) => `<${n}${[...new Set(attrs)].join('')}${n.startsWith('x:') && !attrs.includes(' xmlns:x="urn:x"') ? ' xmlns:x="urn:x"' : ''}>${content.join('')}</${n}>`),
  })).el;

  test('structured random XML: accepted (or refused by a limit), never anything else; the root is read by its local name', () => {
    fc.assert(fc.property(element, (xml) => {
      try {
        const tree = parseXml(xml, small);
        expect(Object.keys(tree)).toEqual([/^<(?:x:)?([A-Za-z]+)/.exec(xml)![1]]);
      } catch (e) {
        if (!(e instanceof UnsafeXmlError)) throw e;
        expect(['too-many', 'too-deep']).toContain(e.reason);
      }
      return true;
    }), RUNS);
  });
});

describe('the mapping engine on arbitrary trees and JSON', () => {
  const mappings: Mapping[] = [...Object.values(amr), ...Object.values(tax)].filter((m): m is Mapping => !!m && typeof m === 'object' && 'fromNative' in m && typeof (m as Mapping).version === 'string' && typeof (m as Mapping).name === 'string');
  const leaf = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '03', '2026-03-04 09:30:00', '20260304093000', '1200.50', 'Y', 'N', 'BJ', 'SL', '91350105MA2XK9P1LR'));
  const tree = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('SLBH', 'ZTDM', 'JBR', 'FSSJ', 'ztxx', 'ywbh', 'blzt', 'blsj', 'jbr', 'nsrsbh', 'x', 'CL', 'CLMC'), tie('node'), { maxKeys: 5 })),
  })).node;

  test('fromNative/toNative: a result, or an AdapterError GW_ERR_ADAPTER_*; nothing else', () => {
    expect(mappings.length).toBeGreaterThan(4);
    fc.assert(fc.property(fc.constantFrom(...mappings), tree, fc.jsonValue({ maxDepth: 3 }), (m, native, json) => {
      for (const run of [() => m.fromNative(native as NativeObject), () => m.toNative(json)]) {
        try {
          run();
        } catch (e) {
          if (!(e instanceof AdapterError) || !/^GW_ERR_ADAPTER_(INVALID_NATIVE|UNMAPPED_VALUE)$/.test(e.code)) throw e;
        }
      }
      return true;
    }), RUNS);
  });
});
