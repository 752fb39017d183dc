/**
 * Attachment blobs no document references leave the database after the grace period
 * (documents/orphans.ts): on the gateway's clock through its job, and through the real
 * `xgw documents sweep-attachments` process. Referenced blobs stay, however old; an old
 * orphan taken up by an upload of the same bytes gets a new grace period.
 */
import { Readable } from 'node:stream';
import { openStore } from '../../gateway/store/open';
import { migrate } from '../../gateway/store/migrate';
import { storeBlob } from '../../gateway/documents/attachments';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { as, documentPeople, housingNotice } from '../support/documents';
import { runXgw, useCliEnvironment } from '../support/cli';

jest.setTimeout(180_000);

const HOUR = 3_600_000;
const bytes = (text: string) => Readable.from([Buffer.from(text)]);

describe('on the gateway (its clock, its job)', () => {
  let t: TestGateway;
  let tok: Record<string, string>;
  let doc: string;
  beforeAll(async () => {
    t = await startTestGateway();
    tok = await documentPeople(t);
    doc = (await as(t, tok['housing.clerk']!).post('/api/v1/documents', { document: housingNotice(), addressees: { main: ['tax'] } })).body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const blobs = async () =>
    (await t.db.store.query<{ sha256: string | null; chunks: number }>('SELECT b.sha256, (SELECT count(*)::int FROM attachment_chunks c WHERE c.blob_id = b.id) AS chunks FROM attachment_blobs b ORDER BY b.created_at, b.sha256')).rows;
  /** Moves the gateway's clock on (sessions expire meanwhile: log in again). */
  const later = async (ms: number) => {
    t.clock.advance(ms);
    tok = await documentPeople(t);
  };
  const upload = (name: string, text: string) =>
    t.call('POST', `/api/v1/documents/${doc}/attachments?name=${name}`, { token: tok['housing.clerk'], raw: text, headers: { 'content-type': 'text/plain' } });

  test('an orphan stays for the grace period (24 h by default), then goes with its chunks; a referenced blob stays', async () => {
    const kept = await upload('kept.txt', '附件一：检查方案');
    expect(kept.status).toBe(201);
    const orphan = await storeBlob(t.db.store, t.clock, bytes('无人引用的上传'), 1 << 20);
    // an upload cut off half-way: no digest, never completed
    await t.db.store.query(`INSERT INTO attachment_blobs (id, created_at) VALUES ('00000000-0000-7000-8000-0000000000aa', $1)`, [t.clock.now()]);
    expect(await blobs()).toHaveLength(3);
    t.clock.advance(23 * HOUR);
    expect(await t.gw.deps.orphans.runOnce()).toEqual({ removed: 0, bytes: 0, digests: [] });
    await later(2 * HOUR);
    const r = await t.gw.deps.orphans.runOnce();
    expect(r).toMatchObject({ removed: 2, digests: [orphan.sha256], bytes: orphan.size });
    expect(await blobs()).toEqual([{ sha256: kept.body.digests.find((d: { alg: string }) => d.alg === 'sha256').value, chunks: 1 }]);
    const download = await t.call('GET', `/api/v1/documents/${doc}/attachments/${(await blobs())[0]!.sha256}`, { token: tok['housing.clerk'] });
    expect(download.text).toBe('附件一：检查方案');
  });

  test('an old orphan taken up by an upload of the same bytes is used again, stored once, and kept for another grace period', async () => {
    const first = await storeBlob(t.db.store, t.clock, bytes('同样的字节'), 1 << 20);
    await later(23 * HOUR);
    const again = await upload('same.txt', '同样的字节');
    expect(again.status).toBe(201);
    expect((await blobs()).filter((b) => b.sha256 === first.sha256)).toHaveLength(1);
    t.clock.advance(2 * HOUR); // 25 h after it was stored, 2 h after it was taken up: referenced now anyway
    await t.db.store.query('DELETE FROM document_attachments WHERE sha256 = $1', [first.sha256]); // as if the reference were gone
    expect((await t.gw.deps.orphans.runOnce()).removed).toBe(0);
    t.clock.advance(23 * HOUR);
    expect((await t.gw.deps.orphans.runOnce()).digests).toEqual([first.sha256]);
  });
});

describe('`xgw documents sweep-attachments` (a real process, the configured database)', () => {
  const cli = useCliEnvironment('orphans');

  test('removes what is older than --grace-hours and not referenced; says how much', async () => {
    const store = await openStore({ databaseUrl: cli.env.DATABASE_URL || undefined, dataDir: cli.dataDir });
    await migrate(store);
    const old = await storeBlob(store, { now: () => new Date(Date.now() - 3 * HOUR) }, bytes('三小时前的上传'), 1 << 20);
    const recent = await storeBlob(store, { now: () => new Date() }, bytes('刚才的上传'), 1 << 20);
    await store.close();
    const r = runXgw(['documents', 'sweep-attachments', '--grace-hours', '2'], cli.env);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(`1 unreferenced attachment blob(s) older than 2 hour(s) removed (${old.size} bytes)\n  sha256 ${old.sha256}\n`);
    const after = await openStore({ databaseUrl: cli.env.DATABASE_URL || undefined, dataDir: cli.dataDir });
    expect((await after.query<{ sha256: string }>('SELECT sha256 FROM attachment_blobs')).rows).toEqual([{ sha256: recent.sha256 }]);
    await after.close();
    expect(runXgw(['documents', 'sweep-attachments', '--grace-hours', '0'], cli.env).status).not.toBe(0);
  });
});
