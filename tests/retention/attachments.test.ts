/**
 * Retention of 公文 attachment bytes (gateway/retention/attachments.ts), off by default (公文 are
 * records that may have to be kept): with retention.attachmentsAfterDays set, the bytes of a
 * blob whose every document was distributed and untouched (document and 收文 receipts) for that
 * long leave the chunk rows — archived as a file named by its SHA-256, or dropped — with a signed
 * `retention.pruned` entry listing the digests. Downloads read the archive back byte for byte;
 * dropped bytes answer 410. A blob shared with a document still in work stays. The same bytes
 * uploaded again bring the blob back. Real HTTP, real database; the stored log verifies after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';
import { verifyStoredLog } from '../../gateway/log/audit-log';
import { pruneAttachments } from '../../gateway/retention/attachments';
import { buildConfig } from '../../gateway/config';

jest.setTimeout(180_000);
const DAY = 86_400_000;

let t: TestGateway;
let tok: Record<string, string>;
let archiveDir: string;
beforeAll(async () => {
  archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-archive-'));
  t = await startTestGateway({ config: { retention: { attachmentsAfterDays: 30, mode: 'archive', archiveDir } } });
  tok = await documentPeople(t);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(archiveDir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const draft = async () => (await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } })).body.id as string;
const upload = async (doc: string, bytes: Buffer, name: string) => {
  const r = await fetch(`${t.url}/api/v1/documents/${doc}/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok['housing.clerk']}`, 'content-type': 'application/pdf' },
    body: bytes,
  });
  expect(r.status).toBe(201);
};
const distribute = async (doc: string) => {
  const clerk = as(t, tok['housing.clerk']);
  expect((await clerk.post(`/api/v1/documents/${doc}/review`)).status).toBe(200);
  expect((await as(t, tok['housing.signer']).post(`/api/v1/documents/${doc}/sign-off`)).status).toBe(200);
  expect((await clerk.post(`/api/v1/documents/${doc}/register`, { agencyCode: '江住建' })).status).toBe(200);
  expect((await clerk.post(`/api/v1/documents/${doc}/seal`)).status).toBe(200);
  expect((await clerk.post(`/api/v1/documents/${doc}/distribute`)).status).toBe(200);
};
/** Sessions last hours: after the clock moves days, everyone logs in again. */
const relogin = async () => {
  tok = await documentPeople(t);
};
const download = (doc: string, digest: string, who = 'tax.clerk') => fetch(`${t.url}/api/v1/documents/${doc}/attachments/${digest}`, { headers: { authorization: `Bearer ${tok[who]}` } });
const blob = async (sha256: string) =>
  (
    await t.db.store.query<{ chunks: number; retention: Record<string, string> | null; rows: number }>(
      'SELECT b.chunks, b.retention, (SELECT count(*)::int FROM attachment_chunks c WHERE c.blob_id = b.id) AS rows FROM attachment_blobs b WHERE b.sha256 = $1',
      [sha256],
    )
  ).rows[0]!;
const prunedEntries = async () =>
  (await t.db.store.query<{ entry: string }>(`SELECT entry FROM log_entries WHERE kind = 'retention.pruned' ORDER BY idx`)).rows.map((r) => JSON.parse(r.entry));

test('off by default: 公文 attachments are kept unless retention.attachmentsAfterDays is set', () => {
  expect(buildConfig().retention).toMatchObject({ attachmentsAfterDays: null, serviceCallsAfterDays: null, bodiesAfterDays: null });
});

const done = randomBytes(600 * 1024 + 11); // in a distributed document only
const shared = randomBytes(300 * 1024 + 5); // also in a draft still in work
let doneDoc: string;
let workDoc: string;

test('bytes of distributed, untouched documents go to the archive and download unchanged; a blob a draft shares stays; the log verifies', async () => {
  doneDoc = await draft();
  await upload(doneDoc, done, '方案.pdf');
  await upload(doneDoc, shared, '附表.pdf');
  await distribute(doneDoc);
  workDoc = await draft();
  await upload(workDoc, shared, '附表.pdf');
  t.clock.advance(29 * DAY);
  expect((await t.gw.deps.retention.runOnce()).attachments.pruned).toBe(0); // not old enough
  t.clock.advance(2 * DAY);
  await relogin();

  const report = await t.gw.deps.retention.runOnce();
  expect(report.attachments).toMatchObject({ pruned: 1, bytes: done.length });
  expect(await blob(sha(done))).toEqual({ chunks: 0, rows: 0, retention: { at: expect.any(String), mode: 'archive', sha256: sha(done) } });
  expect(await blob(sha(shared))).toMatchObject({ retention: null, rows: 2 });
  expect(fs.readFileSync(path.join(archiveDir, 'attachments', sha(done).slice(0, 2), sha(done))).equals(done)).toBe(true);
  expect(await prunedEntries()).toEqual([
    expect.objectContaining({ kind: 'retention.pruned', records: 'attachments', mode: 'archive', count: 1, bytes: done.length, sha256: [sha(done)], olderThan: expect.any(String) }),
  ]);

  const res = await download(doneDoc, sha(done));
  expect(res.status).toBe(200);
  expect(res.headers.get('x-digest-sha256')).toBe(sha(done));
  expect(Buffer.from(await res.arrayBuffer()).equals(done)).toBe(true);

  await t.gw.deps.integrator.runOnce(true);
  const log = await verifyStoredLog(t.db.store);
  expect(log.problems).toEqual([]);
  expect(log.ok).toBe(true);
  expect((await t.gw.deps.retention.runOnce()).attachments.pruned).toBe(0);

  // One byte of the archived file altered (same length): the download never arrives complete.
  const file = path.join(archiveDir, 'attachments', sha(done).slice(0, 2), sha(done));
  const altered = Buffer.from(done);
  altered[altered.length - 1] ^= 0xff;
  fs.writeFileSync(file, altered);
  const cut = await download(doneDoc, sha(done));
  expect(cut.status).toBe(200); // the headers were out before the end of the file was read
  await expect(cut.arrayBuffer()).rejects.toThrow();
  fs.writeFileSync(file, done);
  expect((await download(doneDoc, sha(done)).then((r) => r.arrayBuffer())).byteLength).toBe(done.length);
});

test('dropped bytes: 410 GW_ERR_DOCUMENT_ATTACHMENT_PRUNED, the document still lists the digests; the same bytes uploaded again bring them back', async () => {
  // The draft goes out too; 31 days later the shared blob is past the period everywhere.
  await distribute(workDoc);
  t.clock.advance(31 * DAY);
  await relogin();
  const r = await pruneAttachments(t.db.store, { days: 30, mode: 'drop', archive: null, clock: t.clock, alg: t.gw.deps.config.trust.logHashAlg });
  expect(r).toMatchObject({ pruned: 1, bytes: shared.length });
  expect(await blob(sha(shared))).toEqual({ chunks: 0, rows: 0, retention: { at: expect.any(String), mode: 'drop' } });
  expect((await prunedEntries()).at(-1)).toMatchObject({ records: 'attachments', mode: 'drop', count: 1, sha256: [sha(shared)] });

  for (const doc of [doneDoc, workDoc]) {
    const res = await download(doc, sha(shared));
    expect(res.status).toBe(410);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { code: string }).code).toBe('GW_ERR_DOCUMENT_ATTACHMENT_PRUNED');
  }
  const doc = await as(t, tok['housing.clerk']).get(`/api/v1/documents/${workDoc}`);
  expect(doc.body.document.attachments[0].digests).toEqual(expect.arrayContaining([{ alg: 'sha256', value: sha(shared) }]));

  // New bytes equal to the dropped ones: the blob holds them again, for every document naming it.
  const next = await draft();
  await upload(next, shared, '附表-新.pdf');
  expect(await blob(sha(shared))).toEqual({ chunks: 2, rows: 2, retention: null });
  for (const d of [next, workDoc]) {
    const res = await download(d, sha(shared), 'housing.clerk');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(shared)).toBe(true);
  }
  expect((await t.db.store.query('SELECT 1 FROM attachment_blobs WHERE sha256 IS NULL')).rows).toEqual([]);
  await t.gw.deps.integrator.runOnce(true);
  expect((await verifyStoredLog(t.db.store)).ok).toBe(true);
});
