/**
 * 公文 attachments over real HTTP: a multi-MB file streamed in (SM3 and SHA-256 computed
 * while it arrives, 256 KiB chunk rows), streamed out byte for byte; the same bytes
 * twice are stored once; over the configured limit 413 with nothing kept; only the
 * sender, the addressees and auditors may download (others 404, roles without the
 * permission 403).
 */
import { createHash, randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';
import { CHUNK_BYTES } from '../../gateway/documents/attachments';
import { canonicalJson as canonical } from '../../gateway/crypto/canonical';

jest.setTimeout(180_000);

const LIMIT = 8 * 1024 * 1024;
let t: TestGateway;
let tok: Record<string, string>;
let id: string;
beforeAll(async () => {
  t = await startTestGateway({ config: { documents: { attachmentLimitBytes: LIMIT } } });
  tok = await documentPeople(t);
  const d = await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } });
  id = d.body.id;
});
afterAll(async () => {
  await t?.close();
});

const upload = (body: Buffer | ReadableStream, name: string, token = tok['housing.clerk'], type = 'application/pdf', doc = id) =>
  fetch(`${t.url}/api/v1/documents/${doc}/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

/** A body of `size` bytes sent as a stream of 64 KiB pieces, with no Content-Length. */
function streamOf(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const n = Math.min(65536, size - sent);
      sent += n;
      c.enqueue(new Uint8Array(n).fill(7));
    },
  });
}

const stored = async () =>
  (await t.db.store.query<{ b: number; c: number; a: number }>('SELECT (SELECT count(*)::int FROM attachment_blobs) AS b, (SELECT count(*)::int FROM attachment_chunks) AS c, (SELECT count(*)::int FROM document_attachments) AS a')).rows[0];

const file = randomBytes(5 * 1024 * 1024 + 123);
const sha256 = createHash('sha256').update(file).digest('hex');
const sm3 = createHash('sm3').update(file).digest('hex');

test('a 5 MB attachment: 201 with SM3 and SHA-256, stored in 256 KiB chunk rows, listed by the document', async () => {
  const r = await upload(file, '实施方案.pdf');
  expect(r.status).toBe(201);
  expect(r.body).toEqual({ name: '实施方案.pdf', mediaType: 'application/pdf', size: file.length, digests: [{ alg: 'sm3', value: sm3 }, { alg: 'sha256', value: sha256 }] });
  const chunks = await t.db.store.query<{ n: number; len: number }>('SELECT n, length(data) AS len FROM attachment_chunks c JOIN attachment_blobs b ON b.id = c.blob_id WHERE b.sha256 = $1 ORDER BY n', [sha256]);
  expect(chunks.rows.length).toBe(Math.ceil(file.length / CHUNK_BYTES));
  expect(chunks.rows.slice(0, -1).every((c) => c.len === CHUNK_BYTES)).toBe(true);
  const doc = await as(t, tok['housing.clerk']).get(`/api/v1/documents/${id}`);
  expect(doc.body.attachments).toEqual([r.body]);
  expect(doc.body.document.attachments).toEqual([r.body]);
});

test('downloaded byte for byte by SHA-256 or SM3, with its type, name and digests', async () => {
  for (const digest of [sha256, sm3]) {
    const res = await fetch(`${t.url}/api/v1/documents/${id}/attachments/${digest}`, { headers: { authorization: `Bearer ${tok['housing.clerk']}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('实施方案.pdf')}`);
    expect(res.headers.get('x-digest-sm3')).toBe(sm3);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(file)).toBe(true);
  }
});

test('the same bytes again (another name, another document): stored once', async () => {
  const before = await stored();
  const again = await upload(file, '实施方案-副本.pdf');
  expect(again.status).toBe(201);
  expect(await stored()).toEqual(before); // same document, same content: one attachment
  const other = await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['amr'] } });
  const third = await upload(file, '方案.pdf', tok['housing.clerk'], 'application/pdf', other.body.id);
  expect(third.status).toBe(201);
  expect(await stored()).toEqual({ ...before, a: before.a + 1 });
});

test('the same new bytes uploaded at once to two documents: both 201, one blob', async () => {
  const bytes = randomBytes(1024 * 1024 + 7);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const draft = async () => (await as(t, tok['housing.clerk']).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } })).body.id;
  const [one, two] = [await draft(), await draft()];
  const [a, b] = await Promise.all([upload(bytes, 'a.bin', tok['housing.clerk'], 'application/octet-stream', one), upload(bytes, 'b.bin', tok['housing.clerk'], 'application/octet-stream', two)]);
  expect([a.status, b.status]).toEqual([201, 201]);
  const blobs = await t.db.store.query<{ n: number; chunks: number }>(
    'SELECT count(*)::int AS n, (SELECT count(*)::int FROM attachment_chunks c JOIN attachment_blobs x ON x.id = c.blob_id WHERE x.sha256 = $1) AS chunks FROM attachment_blobs WHERE sha256 = $1',
    [digest],
  );
  expect(blobs.rows[0]).toEqual({ n: 1, chunks: Math.ceil(bytes.length / CHUNK_BYTES) });
  expect((await t.db.store.query('SELECT 1 FROM attachment_blobs WHERE NOT complete')).rows).toEqual([]);
});

test('over the limit: 413 GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE and nothing stored (declared length, and streamed without one)', async () => {
  const before = await stored();
  const declared = await upload(Buffer.alloc(LIMIT + 1), 'big.bin');
  expect([declared.status, declared.body.code]).toEqual([413, 'GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE']);
  const streamed = await upload(streamOf(LIMIT + 300 * 1024) as ReadableStream, 'big-stream.bin');
  expect([streamed.status, streamed.body.code]).toEqual([413, 'GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE']);
  expect(await stored()).toEqual(before);
  const doc = await as(t, tok['housing.clerk']).get(`/api/v1/documents/${id}`);
  expect(doc.body.attachments.map((a: any) => a.name)).toEqual(['实施方案.pdf']);
});

test('a stream without Content-Length up to the limit is accepted', async () => {
  const r = await upload(streamOf(3 * 1024 * 1024 + 5) as ReadableStream, 'stream.bin', tok['housing.clerk'], 'application/octet-stream');
  expect([r.status, r.body.size]).toEqual([201, 3 * 1024 * 1024 + 5]);
});

describe('who may download', () => {
  beforeAll(async () => {
    const clerk = as(t, tok['housing.clerk']);
    await clerk.post(`/api/v1/documents/${id}/review`);
    await as(t, tok['housing.signer']).post(`/api/v1/documents/${id}/sign-off`);
    await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
    await clerk.post(`/api/v1/documents/${id}/seal`);
    await clerk.post(`/api/v1/documents/${id}/distribute`);
  });
  const download = (token: string) => fetch(`${t.url}/api/v1/documents/${id}/attachments/${sha256}`, { headers: { authorization: `Bearer ${token}` } });

  test('the addressee and an auditor: 200', async () => {
    for (const who of ['tax.clerk', 'doc.auditor']) {
      const res = await download(tok[who]);
      expect(res.status).toBe(200);
      expect(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(sha256);
    }
  });

  test('another department: 404 GW_ERR_DOCUMENT_NOT_FOUND; an admin: 403; an unknown digest: 404', async () => {
    const other = await download(tok['amr.clerk']);
    expect([other.status, ((await other.json()) as any).code]).toEqual([404, 'GW_ERR_DOCUMENT_NOT_FOUND']);
    const admin = await download(tok['doc.admin']);
    expect([admin.status, ((await admin.json()) as any).code]).toEqual([403, 'GW_ERR_AUTH_FORBIDDEN']);
    const none = await as(t, tok['tax.clerk']).get(`/api/v1/documents/${id}/attachments/${'0'.repeat(64)}`);
    expect([none.status, none.body.code]).toEqual([404, 'GW_ERR_DOCUMENT_ATTACHMENT_NOT_FOUND']);
  });

  test('after 签发 no attachment is added (409), and an addressee never adds one (404)', async () => {
    const late = await upload(Buffer.from('late'), 'late.txt');
    expect([late.status, late.body.code]).toEqual([409, 'GW_ERR_DOCUMENT_INVALID_TRANSITION']);
    const foreign = await upload(Buffer.from('x'), 'x.txt', tok['tax.clerk']);
    expect([foreign.status, foreign.body.code]).toEqual([404, 'GW_ERR_DOCUMENT_NOT_FOUND']);
  });

  test('the seal covers the attachments by digest', async () => {
    const doc = await as(t, tok['tax.clerk']).get(`/api/v1/documents/${id}`);
    const signed = JSON.parse(doc.body.seal.signedText);
    expect(signed.digest.value).toBe(createHash('sm3').update(canonical(doc.body.document)).digest('hex'));
    expect(doc.body.document.attachments.map((a: any) => a.digests[1].value)).toContain(sha256);
  });
});
