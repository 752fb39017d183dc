/**
 * Fuzzing the push endpoint: arbitrary JSON bodies (weird strings with NULs and lone
 * surrogates, deep objects, long arrays, mutated valid envelopes) are answered with
 * a catalogue 2xx/4xx — never a 500 or 503, never a hang — and the gateway keeps
 * serving valid pushes from others while and after it is fuzzed.
 */
import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, sampleCaseStatus } from '../fixtures/case-record';
import { allSettleWithin } from '../support/faulty-store';
import { catalogue } from '../../gateway/errors';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ config: { bodyLimitBytes: 1024 * 1024 } });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

/** Strings from UTF-16 code units: NULs, lone and reversed surrogates, controls, CJK, pairs. */
const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units)),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800', 'a\\u0000', '𠀀', '\u2028', '__proto__', 'constructor', '', ' '.repeat(300)),
);
const deep = fc.integer({ min: 1, max: 2000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    weirdString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    deep,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(weirdString, tie('value'), { maxKeys: 5 }),
    fc.array(fc.constant({}), { minLength: 0, maxLength: 3000 }),
  ),
})).value;

const validEnvelope = () => ({ to: 'housing', type: 'case-record', messageId: 'fuzz-base', caseId: 'JZ-FUZZ-000001', purpose: 'case-handling', payload: sampleCaseRecord() });
const KEYS = ['to', 'type', 'messageId', 'caseId', 'purpose', 'payload', 'signature', 'extra'];
const PAYLOAD_KEYS = ['caseNo', 'matter', 'legalLimitDays', 'applicant', 'acceptedAt', 'acceptingDepartment', 'materials', 'remarks', 'x'];

/** A valid envelope with one or more fields (top level or in the payload) replaced by arbitrary JSON. */
const mutated = fc
  .tuple(fc.array(fc.tuple(fc.boolean(), fc.nat(), json), { minLength: 1, maxLength: 3 }), fc.nat())
  .map(([edits, id]) => {
    const body = validEnvelope() as Record<string, any>;
    body.messageId = `fuzz-${id}`;
    for (const [inPayload, k, v] of edits) {
      if (inPayload && body.payload && typeof body.payload === 'object') body.payload[PAYLOAD_KEYS[k % PAYLOAD_KEYS.length]!] = v;
      else body[KEYS[k % KEYS.length]!] = v;
    }
    return body;
  });
/** A valid envelope with one of its free-text fields (envelope or payload) replaced by a weird string. */
const STRING_FIELDS: Array<(b: Record<string, any>, s: string) => void> = [
  (b, s) => (b.caseId = s),
  (b, s) => (b.purpose = s),
  (b, s) => (b.payload.remarks = s),
  (b, s) => (b.payload.acceptingDepartment = s),
  (b, s) => (b.payload.matter.name = s),
  (b, s) => (b.payload.applicant.name = s),
  (b, s) => (b.payload.materials[0].name = s),
];
const weirdText = fc.tuple(fc.nat(), fc.array(weirdString, { minLength: 1, maxLength: 3 }), fc.nat()).map(([f, parts, id]) => {
  const body = validEnvelope() as Record<string, any>;
  body.messageId = `fuzz-s-${id}`;
  STRING_FIELDS[f % STRING_FIELDS.length]!(body, `办件${parts.join('')}`);
  return body;
});
const body = fc.oneof(mutated, weirdText, weirdText, json);

test('200 arbitrary bodies: never a 5xx, never a hang; a catalogue problem for every refusal; valid pushes keep working', async () => {
  let n = 0;
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const raw = JSON.stringify(b);
      if (raw === undefined || raw.length > 1_000_000) return; // over the body limit is another test's subject
      const sender = ++n % 2 ? t.tokens.hall : t.tokens.housing;
      // Each fuzzed push shares the write path with a valid push from another sender.
      const [fuzzed, valid] = (
        await allSettleWithin(
          [
            t.call('POST', '/api/v1/messages', { token: sender, headers: { 'content-type': 'application/json' }, raw }),
            t.call('POST', '/api/v1/messages', {
              token: t.tokens.tax,
              body: { to: 'hall', type: 'case-status', messageId: `fuzz-good-${n}`, purpose: 'status-feedback', payload: sampleCaseStatus() },
            }),
          ],
          60_000,
        )
      ).map((s) => (s.status === 'fulfilled' ? s.value : (() => { throw s.reason; })()));
      seen.set(fuzzed!.status, (seen.get(fuzzed!.status) ?? 0) + 1);
      if (fuzzed!.status >= 500 || ![200, 202].includes(fuzzed!.status) && !(fuzzed!.body?.code in catalogue)) {
        throw new Error(`${fuzzed!.status} ${fuzzed!.text.slice(0, 300)} for ${raw.slice(0, 300)}`);
      }
      expect(valid!.status).toBe(202);
    }),
    { numRuns: 200, seed: Number(process.env.FUZZ_SEED ?? 20260302), interruptAfterTimeLimit: 240_000 },
  );
  expect([...seen.keys()].some((s) => s >= 400)).toBe(true); // the fuzzer did reach the refusals
  const ok = await t.call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { ...validEnvelope(), messageId: 'fuzz-after' } });
  expect(ok.status).toBe(202);
  expect((await t.call('GET', '/readyz')).status).toBe(200);
}, 300_000);
