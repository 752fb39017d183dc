import type { Store } from './db';
import { migrations as all, type Migration } from './migrations';

/** Arbitrary constant: the advisory lock that serialises migrators across processes. */
const MIGRATION_LOCK = 7_428_311;

/** The oldest PostgreSQL the statements run on (`string_to_table`, store/joined-texts.ts, came with 14). */
export const MIN_SERVER_VERSION = 140000;

/** Refuses a server older than MIN_SERVER_VERSION, by name, before anything is changed on it. */
export function requireServerVersion(versionNum: number, version: string): void {
  if (!(versionNum >= MIN_SERVER_VERSION)) {
    throw new Error(`xgw needs PostgreSQL 14 or later; the server at DATABASE_URL is ${version} (server_version_num ${versionNum})`);
  }
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so several
 * gateway processes starting at once on one database apply each version exactly once.
 * Refuses a server older than PostgreSQL 14 first.
 */
export async function migrate(store: Store, migrations: Migration[] = all): Promise<number[]> {
  return store.tx(async (db) => {
    const v = (await db.query<{ num: string; version: string }>(`SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`)).rows[0]!;
    requireServerVersion(Number(v.num), v.version);
    await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await db.exec(m.sql);
      await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** True when every known migration is recorded (used by /readyz). */
export async function migrationsDone(store: Store): Promise<boolean> {
  const r = await store.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM schema_migrations WHERE version = ANY($1::int[])`,
    [all.map((m) => m.version)],
  );
  return Number(r.rows[0]?.n) === all.length;
}
