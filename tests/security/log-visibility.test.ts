/**
 * The exchange log is not a bulletin board: free text (a rejection reason, which may
 * hold an ID number) enters a log entry only as its digest, and a member reads only
 * the entries of its own messages and calls (the rest: leaf hashes, enough to
 * recompute the tree). Evidence bundles still verify, old logs with verbatim
 * reasons too.
 */
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, validIdNumber } from '../fixtures/case-record';
import { loginAs } from '../audit/scenario';
import { digestHex } from '../../gateway/crypto/digest';
import { leafHash } from '../../gateway/merkle/hash';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import { formatReport } from '../../gateway/audit/report';

jest.setTimeout(180_000);

let t: TestGateway;
const idNumber = validIdNumber('350102', '19900101', '123');
const reason = `申请人身份证号 ${idNumber} 与材料不符`;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
});

/** hall → housing, pulled and rejected by housing with a reason holding an ID number. */
async function rejectedCase(caseNo: string): Promise<string> {
  const payload = sampleCaseRecord({ caseNo });
  const push = await t.call('POST', '/api/v1/messages', {
    token: t.tokens.hall,
    body: { to: 'housing', type: 'case-record', messageId: `vis-${caseNo}`, caseId: caseNo, purpose: 'case-handling', payload },
  });
  expect(push.status).toBe(202);
  expect((await t.call('GET', '/api/v1/inbox?limit=500', { token: t.tokens.housing })).status).toBe(200);
  const rej = await t.call('POST', `/api/v1/messages/${push.body.id}/ack`, { token: t.tokens.housing, body: { result: 'rejected', reason } });
  expect([rej.status, rej.body.status, rej.body.receipt.reason]).toEqual([200, 'rejected', reason]);
  return push.body.id;
}

const entriesOf = async (id: string) =>
  (await t.db.store.query<{ idx: number; kind: string; entry: string }>('SELECT idx, kind, entry FROM log_entries WHERE message_id = $1 ORDER BY idx', [id])).rows;

const evidence = async (caseNo: string) => {
  const r = await t.call('GET', `/api/v1/audit/evidence?caseId=${caseNo}`, { token: await loginAs(t, 'auditor') });
  expect(r.status).toBe(200);
  return verifyBundle(r.body, { rootPems: [t.gw.deps.trust.pki.rootCertPem] });
};

test('a rejection reason enters the log as its digest only; the history and the signed receipt keep the text', async () => {
  const id = await rejectedCase('FZ-ZJ-20260302-700001');
  const rows = await entriesOf(id);
  const rejected = JSON.parse(rows.find((r) => r.kind === 'message.rejected')!.entry);
  const alg = t.gw.deps.config.trust.logHashAlg;
  expect(rejected.detail.reasonDigest).toEqual({ alg, value: digestHex(alg, reason) });
  expect(rejected.detail.reason).toBeUndefined();
  const all = (await t.db.store.query<{ entry: string }>('SELECT entry FROM log_entries')).rows.map((r) => r.entry).join('\n');
  expect(all).not.toContain(idNumber);
  expect(all).not.toContain('与材料不符');
  // sender and receiver still read the reason (history, signed receipt)
  const seen = await t.call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall });
  expect(seen.body.history.at(-1)).toMatchObject({ event: 'rejected', reason });
  // the evidence bundle verifies: the receipt's reason matches the entry's digest
  const report = await evidence('FZ-ZJ-20260302-700001');
  expect(report.lines.filter((l) => !l.ok)).toEqual([]);
  expect(formatReport(report)).toContain('RESULT: VERIFIED');
});

test('members read the entries of their own messages only; auditors and supervisors read all; every leaf hash is served', async () => {
  const id = await rejectedCase('FZ-ZJ-20260302-700002');
  const own = (await entriesOf(id)).map((r) => Number(r.idx));
  const end = Number((await t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM log_entries')).rows[0].n);
  const read = async (token: string) => {
    const r = await t.call('GET', `/api/v1/log/entries?start=0&end=${end}`, { token });
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(end);
    const byIndex = new Map<number, { entry?: string; withheld?: boolean; leafHash: string }>(r.body.items.map((i: { index: number }) => [i.index, i]));
    for (const i of own) expect(byIndex.get(i)!.leafHash).toMatch(/^[0-9a-f]{64}$/);
    return own.map((i) => (byIndex.get(i)!.entry ? 'entry' : byIndex.get(i)!.withheld ? 'withheld' : 'neither'));
  };
  const shown = own.map(() => 'entry');
  const withheld = own.map(() => 'withheld');
  expect(await read(t.tokens.hall)).toEqual(shown); // sender
  expect(await read(t.tokens.housing)).toEqual(shown); // receiver
  expect(await read(t.tokens.tax)).toEqual(withheld); // a stranger
  expect(await read(t.tokens.amr)).toEqual(withheld);
  expect(await read(await loginAs(t, 'auditor'))).toEqual(shown);
  expect(await read(await loginAs(t, 'supervisor'))).toEqual(shown);
  // a withheld item still lets the stranger recompute its leaf
  const r = await t.call('GET', `/api/v1/log/entries?start=${own[0]}&end=${own[0] + 1}`, { token: t.tokens.tax });
  const [text] = (await t.db.store.query<{ entry: string }>('SELECT entry FROM log_entries WHERE idx = $1', [own[0]])).rows.map((x) => x.entry);
  expect(r.body.items[0]).toEqual({ index: own[0], withheld: true, leafHash: leafHash(t.gw.deps.config.trust.logHashAlg, text).toString('hex') });
});

test('a log written before the rule (verbatim reason in the entry) still verifies; a reason that differs from the receipt does not', async () => {
  const caseNo = 'FZ-ZJ-20260302-700003';
  const id = await rejectedCase(caseNo);
  // Rewrite the not yet integrated entry into the old form, as an older gateway wrote it.
  const row = (await entriesOf(id)).find((r) => r.kind === 'message.rejected')!;
  const legacy = (text: string) => {
    const e = JSON.parse(row.entry);
    const { reasonDigest: _dropped, ...rest } = e.detail;
    return canonicalJson({ ...e, detail: { ...rest, reason: text } });
  };
  const alg = t.gw.deps.config.trust.logHashAlg;
  const write = (text: string) => t.db.store.query('UPDATE log_entries SET entry = $2, leaf_hash = $3 WHERE idx = $1', [row.idx, text, leafHash(alg, text)]);
  await write(legacy(reason));
  const old = await evidence(caseNo);
  expect(old.lines.filter((l) => !l.ok)).toEqual([]);

  const other = await rejectedCase('FZ-ZJ-20260302-700004');
  const row2 = (await entriesOf(other)).find((r) => r.kind === 'message.rejected')!;
  const e2 = JSON.parse(row2.entry);
  const forged = canonicalJson({ ...e2, detail: { ...e2.detail, reasonDigest: { alg, value: digestHex(alg, 'another reason') } } });
  await t.db.store.query('UPDATE log_entries SET entry = $2, leaf_hash = $3 WHERE idx = $1', [row2.idx, forged, leafHash(alg, forged)]);
  const bad = await evidence('FZ-ZJ-20260302-700004');
  expect(bad.lines.filter((l) => !l.ok).map((l) => l.text)).toEqual([expect.stringContaining("the receipt's reason does not match the entry's reasonDigest")]);
});
