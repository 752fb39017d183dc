import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate } from '../../gateway/store/migrate';
import { leafHash } from '../../gateway/merkle/hash';
import { appendEntries } from '../../gateway/log/append';
import { fetchEntryPage, packedPagesUsable } from '../../gateway/log/audit-pages';

// Packed pages (one aggregated row per page, leaves hashed in place) must report exactly
// what row-by-row pages report, and hand irregular pages to the row reader.
let db: TestDatabase;
const texts = ['{"a":1}', '{"b":"中文 ✓ \\n"}', '{"c":"\ud83d\ude00"}', '{"d":[]}', '{"e":"x"}'];

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.store);
  const at = new Date();
  await appendEntries(db.store, texts.map((text) => ({ kind: 'message.received', messageId: null, caseId: null, at, text, leafHash: leafHash('sha256', text) })));
}, 60_000);
afterAll(() => db?.drop());

const visits = async (start: number, limit: number, packed: boolean) => {
  const page = await fetchEntryPage(db.store, start, limit, packed);
  const seen: Array<[number, string, boolean]> = [];
  page.each('sha256', (idx, leaf, ok) => seen.push([idx, leaf.toString('hex'), ok]));
  return { count: page.count, lastIdx: page.lastIdx, seen };
};

test('packed and row pages agree, including multi-byte texts, partial and empty pages', async () => {
  expect(await packedPagesUsable(db.store)).toBe(true);
  for (const [start, limit] of [[0, 10], [0, 2], [3, 10], [9, 10]] as const) {
    expect(await visits(start, limit, true)).toEqual(await visits(start, limit, false));
  }
  const all = await visits(0, 10, true);
  expect(all.seen.map((s) => s[1])).toEqual(texts.map((t) => leafHash('sha256', t).toString('hex')));
  expect(all.seen.every((s) => s[2])).toBe(true);
});

test('a changed text, a gap and a malformed stored leaf hash are reported as rows report them', async () => {
  await db.store.query(`UPDATE log_entries SET entry = '{"a":2}' WHERE idx = 0`);
  await db.store.query(`DELETE FROM log_entries WHERE idx = 2`);
  await db.store.query(`UPDATE log_entries SET leaf_hash = '\\x00'::bytea WHERE idx = 4`);
  const packed = await visits(0, 10, true);
  expect(packed).toEqual(await visits(0, 10, false));
  expect(packed.seen.map(([idx, , ok]) => [idx, ok])).toEqual([[0, false], [1, true], [3, true], [4, false]]);
});
