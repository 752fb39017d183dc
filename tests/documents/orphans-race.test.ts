/**
 * The orphan sweep racing a reference, on PostgreSQL (two real connections; PGlite has one):
 * a reference being added must win. (1) A document_attachments row not yet committed holds
 * its foreign key's lock on the blob: the sweep skips the blob, without waiting. (2) The sweep
 * holds an old orphan (deleted, not committed) when an upload of the same bytes takes it up:
 * the upload waits for the sweep, finds the blob gone, and keeps its own copy; the document
 * gets its attachment. DATABASE_URL on the PostgreSQL pass, else a throwaway cluster.
 */
import { Readable } from 'node:stream';
import { storeBlob } from '../../gateway/documents/attachments';
import { sweepAllOrphanBlobs, sweepOrphanBlobs } from '../../gateway/documents/orphans';
import { postgresServer } from '../support/pg-cluster';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';

jest.setTimeout(240_000);

const HOUR = 3_600_000;
let server: Awaited<ReturnType<typeof postgresServer>>;
let t: TestGateway;
let tok: Record<string, string>;
let doc: string;
beforeAll(async () => {
  server = await postgresServer();
  t = await startTestGateway({ postgres: server.base });
  tok = await documentPeople(t);
  doc = (await as(t, tok['housing.clerk']!).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } })).body.id;
});
afterAll(async () => {
  await t?.close();
  await server?.close();
});

const twoDaysAgo = () => ({ now: () => new Date(t.clock.now().getTime() - 48 * HOUR) });
const bytes = (text: string) => Readable.from([Buffer.from(text)]);
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};
const blobRow = async (sha256: string) => (await t.db.store.query<{ complete: boolean; chunks: number }>('SELECT complete, chunks FROM attachment_blobs WHERE sha256 = $1', [sha256])).rows;
/** Resolves once some session waits for a lock (pg_locks), checked as fast as the database answers. */
async function someoneWaitsForALock(): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if ((await t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted')).rows[0]!.n > 0) return;
  }
  throw new Error('no session ever waited for a lock');
}

test('a reference added but not yet committed: the sweep passes the blob by without waiting; the reference commits', async () => {
  const x = await storeBlob(t.db.store, twoDaysAgo(), bytes('正在被引用的附件'), 1 << 20);
  const inserted = gate();
  const release = gate();
  const adding = t.db.store.tx(async (db) => {
    await db.query(`INSERT INTO document_attachments (document_id, sha256, name, media_type, added_by, added_at) VALUES ($1, $2, 'x.txt', 'text/plain', 'test', $3)`, [doc, x.sha256, t.clock.now()]);
    inserted.open();
    await release.opened;
  });
  await inserted.opened;
  const swept = await sweepAllOrphanBlobs(t.db.store, t.clock, 24);
  expect(swept.digests).not.toContain(x.sha256);
  release.open();
  await adding;
  expect(await blobRow(x.sha256)).toEqual([{ complete: true, chunks: 1 }]);
  expect((await sweepAllOrphanBlobs(t.db.store, t.clock, 24)).digests).not.toContain(x.sha256);
});

test('the sweep holds an old orphan when an upload of the same bytes takes it up: the upload waits, stores its own copy, and is attached', async () => {
  const y = await storeBlob(t.db.store, twoDaysAgo(), bytes('同时被清理与上传的附件'), 1 << 20);
  const held = gate();
  const release = gate();
  const sweeping = t.db.store.tx(async (db) => {
    const r = await sweepOrphanBlobs(db, { before: new Date(t.clock.now().getTime() - 24 * HOUR), batchSize: 100 });
    held.open();
    await release.opened;
    return r;
  });
  await held.opened;
  const uploading = t.call('POST', `/api/v1/documents/${doc}/attachments?name=y.txt`, { token: tok['housing.clerk'], raw: '同时被清理与上传的附件', headers: { 'content-type': 'text/plain' } });
  await someoneWaitsForALock(); // the upload, on the blob the sweep deleted and has not committed
  release.open();
  expect((await sweeping).digests).toContain(y.sha256);
  const up = await uploading;
  expect([up.status, up.body.digests?.find((d: { alg: string }) => d.alg === 'sha256')?.value]).toEqual([201, y.sha256]);
  expect(await blobRow(y.sha256)).toEqual([{ complete: true, chunks: 1 }]);
  const down = await t.call('GET', `/api/v1/documents/${doc}/attachments/${y.sha256}`, { token: tok['housing.clerk'] });
  expect([down.status, down.text]).toEqual([200, '同时被清理与上传的附件']);
});
