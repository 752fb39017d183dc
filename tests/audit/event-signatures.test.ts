import { eventSignatures } from '../../gateway/audit/event-signatures';
import type { BundleReport, CheckLine } from '../../gateway/audit/report';
import { lineText } from '../../web/src/verify-zh';
import { notInChinese } from '../support/verify-zh';

// The case timeline's signature status (GET /cases/{caseNo}?verify=true) read from a verifier report:
// the report here is built by hand so that each status can be made; the real bundles are in tests/cases/case-signatures.test.ts.
const line = (over: Partial<CheckLine> & Pick<CheckLine, 'group' | 'said'>): CheckLine => ({ ok: true, subject: 'x', text: 'x', ...over });
const report = (lines: CheckLine[], size: number): BundleReport => ({
  ok: lines.every((l) => l.ok), caseId: 'C-1', anchor: 'pinned', anchorFingerprints: [], crls: 0,
  checkpoint: { size, root: '00', at: '2026-12-06T10:00:00+08:00' }, counts: { entries: size, messages: 2, certificates: 1 },
  lines, failures: lines.filter((l) => !l.ok).length, legacySm2: 0,
});

test('each event gets verified, failed, pending or unavailable, and every problem it carries is said in Chinese', () => {
  const lines = [
    line({ group: 'messages', index: 1, messageId: 'm-1', said: [{ code: 'signature.ok', params: { role: 'sender', signer: 'hall', alg: 'SM2-SM3' } }] }),
    line({ group: 'messages', index: 2, messageId: 'm-2', ok: false, text: 'bad signature', said: [{ code: 'signature.invalid', params: { role: 'sender', signer: 'hall', alg: 'SM2-SM3', fp: 'ab12' } }] }),
  ];
  const events = [{ logIndex: 1, messageId: 'm-1' }, { logIndex: 2, messageId: 'm-2' }, { logIndex: 3, messageId: 'm-3' }, { logIndex: 9, messageId: 'm-9' }];
  const by = eventSignatures(report(lines, 5), events);
  expect(by.get(1)).toEqual({ status: 'verified', signer: 'hall', alg: 'SM2-SM3', onBehalf: false });
  expect(by.get(2)?.status).toBe('failed');
  expect(by.get(9)).toEqual({ status: 'pending' });
  const unavailable = by.get(3)!;
  expect(unavailable.status).toBe('unavailable');
  expect(unavailable.problems?.[0]?.said).toEqual([{ code: 'timeline.not-in-bundle', params: { index: 3 } }]);
  const problems = [...by.values()].flatMap((s) => s.problems ?? []).map((p) => ({ ...p, ok: false }));
  expect(problems).toHaveLength(2);
  expect(notInChinese(problems)).toEqual([]);
  expect(lineText(problems.find((p) => p.said[0]!.code === 'timeline.not-in-bundle')!)).toContain('#3');
});

test('a bundle that could not be built is said in Chinese with its catalogue code', () => {
  const problem = line({ group: 'bundle', ok: false, subject: 'bundle', text: 'GW_ERR_X: y', said: [{ code: 'timeline.bundle-unavailable', params: { code: 'GW_ERR_CASE_NOT_FOUND' } }] });
  expect(notInChinese([problem])).toEqual([]);
  expect(lineText(problem)).toContain('GW_ERR_CASE_NOT_FOUND');
});
