import { createTestDatabase, type TestDatabase } from '../support/db';
import { BinaryCopyRows, sqlInt } from '../../gateway/store/binary-copy';

// Store.copyBinary on the database under test (PostgreSQL or PGlite) and the reader of its
// binary COPY format: integers of every width and sign, UTF-8 text, bytea, NULL and empty
// values, read in place; malformed or truncated data is refused; a failing COPY leaves the
// store serving.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, 60_000);
afterAll(() => db?.drop());

const rowsOf = (bytes: Buffer, fields: number) => {
  const out: unknown[][] = [];
  for (const r = new BinaryCopyRows(bytes, fields); r.next(); ) {
    out.push([r.int(0), r.int(1), r.int(2), r.view(3)?.toString('utf8') ?? null, r.view(4)?.toString('hex') ?? null]);
  }
  return out;
};

test('rows of integers, text, bytea and NULLs come back as written', async () => {
  const bytes = await db.store.copyBinary(`
    SELECT * FROM (VALUES
      (1::smallint, 2::int, 9007199254740991::bigint, '中文 ✓ 😀'::text, '\\x00ff10'::bytea),
      ((-32768)::smallint, (-2147483648)::int, (-9007199254740991)::bigint, '', ''::bytea),
      (NULL::smallint, NULL::int, NULL::bigint, NULL::text, NULL::bytea)) AS t(a, b, c, d, e)`);
  expect(rowsOf(bytes, 5)).toEqual([
    [1, 2, Number.MAX_SAFE_INTEGER, '中文 ✓ 😀', '00ff10'],
    [-32768, -2147483648, -Number.MAX_SAFE_INTEGER, '', ''],
    [null, null, null, null, null],
  ]);
  const empty = await db.store.copyBinary('SELECT 1 WHERE false');
  expect(new BinaryCopyRows(empty, 1).next()).toBe(false);
});

test('an int8 beyond 2^53, truncated data, too many fields and foreign bytes are refused', async () => {
  const big = await db.store.copyBinary('SELECT 9007199254740993::bigint');
  const r = new BinaryCopyRows(big, 1);
  expect(r.next()).toBe(true);
  expect(() => r.int(0)).toThrow(/2\^53/);
  const good = await db.store.copyBinary("SELECT 7::bigint, 'abc'::text");
  expect(() => new BinaryCopyRows(good.subarray(0, good.length - 4), 2).next()).toThrow(/truncated/);
  const cut = new BinaryCopyRows(good.subarray(0, good.length - 2), 2);
  expect(cut.next()).toBe(true);
  expect(() => cut.next()).toThrow(/trailer/);
  expect(() => new BinaryCopyRows(good, 1).next()).toThrow(/2 fields/);
  expect(() => new BinaryCopyRows(Buffer.from('PGCOPY\nnot really'), 1)).toThrow(/not PostgreSQL binary COPY/);
});

test('a COPY that fails rejects with the database error; the store keeps serving', async () => {
  await expect(db.store.copyBinary('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
  await expect(db.store.copyBinary('SELECT 1/0')).rejects.toThrow(/division by zero/);
  expect((await db.store.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n).toBe(42);
  expect(rowsOf(await db.store.copyBinary('SELECT 5::int, 6::int, 7::int, NULL::text, NULL::bytea'), 5)).toEqual([[5, 6, 7, null, null]]);
});

test('sqlInt writes only safe integers', () => {
  expect(sqlInt(12345)).toBe('12345');
  expect(() => sqlInt(1.5)).toThrow();
  expect(() => sqlInt(Number.NaN)).toThrow();
  expect(() => sqlInt(2 ** 60)).toThrow();
});
