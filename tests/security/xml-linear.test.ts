/**
 * Defect class: XML scanning that is not linear in its input. A SOAP body under the
 * size limit made of many small elements, attributes, text nodes… once held the event
 * loop for seconds to minutes (every other request waited), on the inbound endpoints
 * before the UsernameToken was checked and on agencies' answers. The gate is one linear
 * pass with counters, refusing early; the tree is built in the same pass.
 */
import { performance } from 'node:perf_hooks';
import { parseEnvelope } from '../../adapters/soap/envelope';
import { DEFAULT_XML_LIMITS, UnsafeXmlError, assertSafeXml } from '../../adapters/soap/safe-xml';
import { XML_SHAPES, envelopeAround } from '../../bench/xml-shapes';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';

jest.setTimeout(300_000);

/** The largest limits the config accepts (gateway/config.ts soap.xml): whatever an operator sets, the gate stays linear. */
const LIFTED = { maxBytes: 64 * 1024 * 1024, maxDepth: 256, maxElements: 1_000_000, maxAttributes: 1_000_000, maxAttributesPerElement: 1024, maxTextNodes: 1_000_000, maxNameLength: 4096, maxTextLength: 64 * 1024 * 1024 };

/** Best of five (the machine is shared; a garbage collection can land in any run): ms for the gate (the single scan, no tree) on `text`. */
function gateMs(text: string): number {
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    try {
      assertSafeXml(text, LIFTED);
    } catch (e) {
      if (!(e instanceof UnsafeXmlError)) throw e;
    }
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

describe('the gate is linear in its input, whatever the shape', () => {
  const N = 256 * 1024;
  test.each(Object.keys(XML_SHAPES))('%s: 4× the input takes well under 8× the time', (shape) => {
    const make = XML_SHAPES[shape]!;
    gateMs(envelopeAround(make(4 * N))); // warm-up (the JIT, the heap)
    const small = gateMs(envelopeAround(make(N)));
    const large = gateMs(envelopeAround(make(4 * N)));
    // A floor of 25 ms keeps timer and GC noise on small figures from deciding; the quadratic
    // gate this guards against took seconds at 256 KB and 16× that at 1 MB.
    expect({ shape, small, large, ratioUnder8: large / Math.max(small, 25) < 8 }).toEqual({ shape, small, large, ratioUnder8: true });
    expect(large).toBeLessThan(2000); // 1 MB: tens of ms here; a minute or more before
  });

  test('fast-xml-parser never sees a long text node: the gate bounds each text run, CDATA section and attribute value', () => {
    // fast-xml-parser's time grows faster than linearly with one text node (1.6 MB: a quarter of a second)
    const limit = DEFAULT_XML_LIMITS.maxTextLength;
    const refused = (body: string) => {
      try {
        parseEnvelope(envelopeAround(body));
        return 'accepted';
      } catch (e) {
        return (e as UnsafeXmlError).reason;
      }
    };
    expect(refused(`<tax:ztxx>${'x'.repeat(limit + 1)}</tax:ztxx>`)).toBe('too-long');
    expect(refused(`<tax:ztxx><![CDATA[${'x'.repeat(limit + 1)}]]></tax:ztxx>`)).toBe('too-long');
    expect(refused(`<tax:ztxx a="${'x'.repeat(limit + 1)}"/>`)).toBe('too-long');
    // at the limit it is parsed, quickly, and read as text
    const t0 = performance.now();
    const atLimit = parseEnvelope(envelopeAround(`<tax:ztxx>${'x'.repeat(limit)}</tax:ztxx>`));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((atLimit.body as { ztxx: string }).ztxx).toHaveLength(limit);
  });

  test('with the default limits each count refuses early, with its reason', () => {
    const reasons = Object.fromEntries(
      ['empty elements', 'attributes', 'namespace declarations', 'text nodes', 'text and CDATA', 'comments', 'processing instructions'].map((shape) => {
        try {
          parseEnvelope(envelopeAround(XML_SHAPES[shape]!(1024 * 1024)));
          return [shape, 'accepted'];
        } catch (e) {
          return [shape, (e as UnsafeXmlError).reason];
        }
      }),
    );
    expect(reasons).toEqual({
      'empty elements': 'too-many',
      attributes: 'too-many',
      'namespace declarations': 'too-many',
      'text nodes': 'too-many',
      'text and CDATA': 'too-many',
      comments: 'too-many',
      'processing instructions': 'too-many',
    });
    expect(() => parseEnvelope(envelopeAround(`<${'n'.repeat(300)}/>`))).toThrow(expect.objectContaining({ reason: 'too-long' }));
  });
});

describe('over HTTP: /healthz is answered while the worst bodies are refused', () => {
  let w: AgencyWorld;
  beforeAll(async () => {
    w = await startAgencyWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Runs `hostile` and, concurrently, one /healthz; resolves with both, /healthz's latency measured from its own start. */
  async function withHealthz<T>(hostile: () => Promise<T>): Promise<{ result: T; healthzMs: number; healthzStatus: number }> {
    const pending = hostile();
    const t0 = performance.now();
    const health = await fetch(`${w.t.url}/healthz`);
    const healthzMs = performance.now() - t0;
    return { result: await pending, healthzMs, healthzStatus: health.status };
  }

  const SIZE = 256 * 1024;

  test.each(['empty elements', 'attributes', 'namespace declarations', 'text nodes', 'text and CDATA', 'deep nesting'])(
    'inbound /soap/tax, %s: refused with GW_ERR_SOAP_XML_REFUSED before the UsernameToken, /healthz answered meanwhile',
    async (shape) => {
      const body = envelopeAround(XML_SHAPES[shape]!(SIZE));
      const { result, healthzMs, healthzStatus } = await withHealthz(async () => {
        const res = await fetch(`${w.t.url}/soap/tax`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body });
        return { status: res.status, text: await res.text() };
      });
      expect(healthzStatus).toBe(200);
      expect(healthzMs).toBeLessThan(1000);
      expect(result.status).toBe(400);
      expect(result.text).toContain('GW_ERR_SOAP_XML_REFUSED');
    },
  );

  test.each(['attributes', 'text nodes', 'text and CDATA'])(
    "an agency's answer made of %s: GW_ERR_AGENCY_INVALID_ANSWER, /healthz answered meanwhile",
    async (shape) => {
      w.agencies.tax.behave({ raw: { body: envelopeAround(XML_SHAPES[shape]!(SIZE)), contentType: 'application/soap+xml; charset=UTF-8' } });
      try {
        const { result, healthzMs, healthzStatus } = await withHealthz(() =>
          w.t.call('POST', '/api/v1/services/tax/query-tax-status', { token: w.t.tokens.hall, body: { uscc: '91350105MA2XK9P1LR' }, headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-XL-20260302-000001' } }),
        );
        expect(healthzStatus).toBe(200);
        expect(healthzMs).toBeLessThan(1000);
        expect([result.status, result.body.code]).toEqual([502, 'GW_ERR_AGENCY_INVALID_ANSWER']);
        expect(result.body.detail).toMatch(/refused: more than \d+ (attributes|elements|text nodes)/);
      } finally {
        w.agencies.tax.reset();
      }
    },
  );
});
