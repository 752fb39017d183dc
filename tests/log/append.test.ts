/**
 * The one log append (gateway/log/append.ts): appends on their own (appendEntries) and
 * appends included in another statement (logAppendCtes over an input SELECT), running at
 * once, give dense indices; each gets its own entries at its indices, in input order.
 */
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate } from '../../gateway/store/migrate';
import { prepareEntry, type PreparedEntry } from '../../gateway/log/entries';
import { appendEntries, logAppendCtes } from '../../gateway/log/append';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.store);
}, 60_000);
afterAll(() => db?.drop());

const entries = (tag: string, n: number): PreparedEntry[] =>
  Array.from({ length: n }, (_, i) => prepareEntry('sha256', 'service.called', new Date(), { call: { id: `${tag}-${i}` } }, { caseId: `${tag}-${i}` }));

/** An append included in a statement of its own making, the way the batch statements include it. */
const INCLUDED = `
WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(n bigint, case_id text, entry text, leaf_hash text)),
${logAppendCtes(`SELECT n AS k, 'service.called' AS kind, NULL::uuid AS message_id, case_id, entry, leaf_hash, now() AS created_at FROM input`)}
SELECT idx FROM log_appended`;

test('own and included appends at once: dense indices, every entry at the index its append returned', async () => {
  const own = Array.from({ length: 6 }, (_, k) => entries(`own${k}`, 1 + (k % 3)));
  const included = Array.from({ length: 6 }, (_, k) => entries(`inc${k}`, 2 + (k % 2)));
  const [ownIdx, incIdx] = await Promise.all([
    Promise.all(own.map((es) => db.store.tx((tx) => appendEntries(tx, es)))),
    Promise.all(
      included.map((es) =>
        db.store
          .query<{ idx: string }>(INCLUDED, [JSON.stringify(es.map((e, i) => ({ n: i + 1, case_id: e.caseId, entry: e.text, leaf_hash: e.leafHash.toString('hex') })))])
          .then((r) => r.rows.map((x) => Number(x.idx)).sort((a, b) => a - b)),
      ),
    ),
  ]);
  const stored = await db.store.query<{ idx: string; case_id: string; entry: string; leaf_hash: Buffer }>('SELECT idx, case_id, entry, leaf_hash FROM log_entries ORDER BY idx');
  const total = [...own, ...included].reduce((n, es) => n + es.length, 0);
  expect(stored.rows.map((r) => Number(r.idx))).toEqual([...Array(total).keys()]);
  const at = new Map(stored.rows.map((r) => [Number(r.idx), r]));
  [...own.map((es, k) => [es, ownIdx[k]!] as const), ...included.map((es, k) => [es, incIdx[k]!] as const)].forEach(([es, idx]) => {
    expect(idx).toHaveLength(es.length);
    es.forEach((e, i) => {
      expect(at.get(idx[i]!)).toMatchObject({ case_id: e.caseId, entry: e.text });
      expect(Buffer.from(at.get(idx[i]!)!.leaf_hash).equals(e.leafHash)).toBe(true);
    });
  });
  const seq = await db.store.query<{ value: string }>(`SELECT value FROM sequences WHERE name = 'log'`);
  expect(Number(seq.rows[0]!.value)).toBe(total);
}, 60_000);
