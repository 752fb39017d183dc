import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate, migrationsDone, requireServerVersion } from '../../gateway/store/migrate';
import { migrations } from '../../gateway/store/migrations';

// Several processes migrating one database at once: tests/store/postgres-concurrency.test.ts (PostgreSQL only).
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

test('migrations apply once, record their versions and are a no-op the second time', async () => {
  expect(await migrate(db.store)).toEqual(migrations.map((m) => m.version));
  expect(await migrate(db.store)).toEqual([]);
  expect(await migrationsDone(db.store)).toBe(true);
  const r = await db.store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  expect(r.rows.map((x) => Number(x.version))).toEqual(migrations.map((m) => m.version));
  // 004: message rows stay inline and pages keep room for HOT updates
  const opts = await db.store.query<{ reloptions: string[] }>(`SELECT reloptions FROM pg_class WHERE relname = 'messages'`);
  expect(opts.rows[0].reloptions).toEqual(expect.arrayContaining(['toast_tuple_target=8160', 'fillfactor=75']));
});

test('a failing migration rolls back entirely and leaves no version behind', async () => {
  const bad = [...migrations, { version: 9999, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT no_such_function();' }];
  await expect(migrate(db.store, bad)).rejects.toThrow();
  const t = await db.store.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`);
  expect(t.rows).toHaveLength(0);
  const v = await db.store.query('SELECT 1 FROM schema_migrations WHERE version = 9999');
  expect(v.rows).toHaveLength(0);
});

test('a PostgreSQL older than 14 is refused by name before anything is migrated; this one passes', async () => {
  expect(() => requireServerVersion(130012, '13.12')).toThrow('xgw needs PostgreSQL 14 or later; the server at DATABASE_URL is 13.12 (server_version_num 130012)');
  expect(() => requireServerVersion(NaN, '')).toThrow(/PostgreSQL 14 or later/);
  expect(() => requireServerVersion(140000, '14.0')).not.toThrow();
  const v = await db.store.query<{ num: string }>(`SELECT current_setting('server_version_num') AS num`);
  expect(Number(v.rows[0]!.num)).toBeGreaterThanOrEqual(140000); // PGlite (17) and the CI server (15)
});
