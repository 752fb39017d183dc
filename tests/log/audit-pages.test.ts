import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate } from '../../gateway/store/migrate';
import { leafHash, nodeHash, LOG_HASH_SIZE } from '../../gateway/merkle/hash';
import { appendEntries } from '../../gateway/log/append';
import { readEntryPage, visitEntries, type EntryPage } from '../../gateway/log/audit-pages';
import { innerNode, LeafHashWorker } from '../../gateway/log/leaf-hashes';

// A page of log entries read as binary COPY and hashed in place, here and on the worker
// thread: the leaf hashes are those of the texts (multi-byte ones included), each row keeps
// its idx (a gap shows), a stored leaf hash that differs or is malformed does not match, and
// the page's inner nodes are the RFC 9162 subtree hashes of its leaves.
let db: TestDatabase;
let worker: LeafHashWorker;
const texts = ['{"a":1}', '{"b":"中文 ✓ \\n"}', '{"c":"\ud83d\ude00"}', '{"d":[]}', '{"e":"x"}', '', '{"g":"\\u0000"}', '{"h":7}', '{"i":"tab\\t"}'];

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.store);
  const at = new Date();
  await appendEntries(db.store, texts.map((text) => ({ kind: 'message.received', messageId: null, caseId: null, at, text, leafHash: leafHash('sha256', text) })));
  worker = new LeafHashWorker();
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await db?.drop();
});

const read = async (start: number, limit: number, pos: number, thread: boolean): Promise<EntryPage> =>
  (await readEntryPage(db.store, start, limit)).hash('sha256', pos, thread ? worker : undefined);

const visits = async (page: EntryPage) => {
  const seen: Array<[number, string, boolean]> = [];
  await visitEntries(page, (idx, leaf, ok) => seen.push([idx, leaf.toString('hex'), ok]));
  return seen;
};

/** Every subtree (level ≥ 1) lying in leaves [pos, pos + n) of these leaf hashes, by the definition. */
function innerByDefinition(leaves: Buffer[], pos: number): Map<string, string> {
  const out = new Map<string, string>();
  let level = leaves.map((h, k) => ({ index: pos + k, h }));
  for (let l = 1; level.length > 1; l++) {
    const up: typeof level = [];
    for (const left of level) {
      const right = level.find((x) => x.index === left.index + 1);
      if (left.index % 2 === 0 && right) up.push({ index: left.index / 2, h: nodeHash('sha256', left.h, right.h) });
    }
    for (const x of up) out.set(`${l}/${x.index}`, x.h.toString('hex'));
    level = up;
  }
  return out;
}

const innerOf = (page: EntryPage): Map<string, string> => {
  const out = new Map<string, string>();
  for (let l = 1; l < 6; l++) {
    for (let i = 0; i < 64; i++) {
      const h = innerNode(page, l, i);
      if (h) out.set(`${l}/${i}`, h.toString('hex'));
    }
  }
  return out;
};

test.each([false, true])('leaf hashes and inner nodes of whole, partial and empty pages (worker thread: %s)', async (thread) => {
  const all = await read(0, 100, 0, thread);
  expect(all.count).toBe(texts.length);
  expect(all.lastIdx).toBe(texts.length - 1);
  const seen = await visits(all);
  expect(seen).toEqual(texts.map((t, i) => [i, leafHash('sha256', t).toString('hex'), true]));
  // Rows 2–6 as leaves 13–17 of a tree: subtrees (1,7) = leaves 14–15 and (1,8) = 16–17 lie in the page, (2,4) = 16–19 does not.
  const part = await read(2, 5, 13, thread);
  expect([part.count, part.lastIdx]).toEqual([5, 6]);
  const leaves = texts.slice(2, 7).map((t) => leafHash('sha256', t));
  expect([...innerOf(part)]).toEqual([...innerByDefinition(leaves, 13)]);
  expect([...innerOf(part).keys()]).toEqual(['1/7', '1/8']);
  expect([...innerOf(all)]).toEqual([...innerByDefinition(texts.map((t) => leafHash('sha256', t)), 0)]);
  expect(innerOf(all).get('3/0')).toBeDefined();
  const empty = await read(100, 10, 9, thread);
  expect([empty.count, empty.lastIdx, await visits(empty)]).toEqual([0, 99, []]);
});

test('a changed text, a gap and a malformed stored leaf hash are reported row by row, here and on the worker thread', async () => {
  await db.store.query(`UPDATE log_entries SET entry = '{"a":2}' WHERE idx = 0`);
  await db.store.query(`DELETE FROM log_entries WHERE idx = 2`);
  await db.store.query(`UPDATE log_entries SET leaf_hash = '\\x00'::bytea WHERE idx = 4`);
  for (const thread of [false, true]) {
    const page = await read(0, 100, 0, thread);
    const seen = await visits(page);
    expect(seen.map(([idx, , ok]) => [idx, ok])).toEqual([[0, false], [1, true], [3, true], [4, false], [5, true], [6, true], [7, true], [8, true]]);
    expect(seen[0]![1]).toBe(leafHash('sha256', '{"a":2}').toString('hex'));
    expect(seen[3]![1]).toBe(leafHash('sha256', texts[4]!).toString('hex'));
  }
});

test('the worker answers each page its own hashes, several at once, and after close() refuses more', async () => {
  const w = new LeafHashWorker();
  const pages = await Promise.all([5, 6, 7].map(async (start) => (await readEntryPage(db.store, start, 2)).hash('sha256', start, w)));
  expect(pages.map((p) => p.leaves.length)).toEqual([2, 2, 2].map((n) => n * LOG_HASH_SIZE));
  expect(pages.map((p) => p.leaves.subarray(0, LOG_HASH_SIZE).toString('hex'))).toEqual([5, 6, 7].map((i) => leafHash('sha256', texts[i]!).toString('hex')));
  await w.close();
  await expect((await readEntryPage(db.store, 0, 3)).hash('sha256', 0, w)).rejects.toThrow(/closed/);
});
