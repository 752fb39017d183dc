import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Store } from '../../gateway/store/db';
import { openPglite } from '../../gateway/store/pglite';
import { openPostgres } from '../../gateway/store/postgres';

export interface TestDatabase {
  store: Store;
  /** A URL for the same database (PostgreSQL only), e.g. for a second gateway process. */
  url: string | null;
  /** Closes the store and drops the database. */
  drop(): Promise<void>;
  /** Reopens a fresh store on the same database (restart tests). PGlite in memory cannot. */
  reopen(): Promise<Store>;
}

/**
 * Each test file gets its own database: a new PostgreSQL database when
 * DATABASE_URL is set (dropped after), otherwise an in-memory PGlite, or a
 * PGlite directory when `dir` is given (restart tests). `base` names another
 * PostgreSQL server (e.g. a throwaway cluster, tests/support/pg-cluster.ts).
 */
export async function createTestDatabase(opts: { dir?: string; base?: string } = {}): Promise<TestDatabase> {
  const base = opts.base ?? process.env.DATABASE_URL;
  if (!base) {
    let store = await openPglite(opts.dir);
    return {
      store,
      url: null,
      drop: () => store.close(),
      async reopen() {
        if (!opts.dir) throw new Error('an in-memory PGlite cannot be reopened');
        await store.close().catch(() => undefined);
        store = await openPglite(opts.dir);
        return store;
      },
    };
  }
  const name = `xgw_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const opened: Store[] = [openPostgres(url, { max: 5 })];
  return {
    store: opened[0],
    url,
    async reopen() {
      const s = openPostgres(url, { max: 5 });
      opened.push(s);
      return s;
    },
    async drop() {
      for (const s of opened) await s.close().catch(() => undefined);
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
