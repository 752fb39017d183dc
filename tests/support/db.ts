import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../gateway/store/db';
import { openPglite } from '../../gateway/store/pglite';
import { createDatabase, openPostgres } from '../../gateway/store/postgres';
import { testTemplate, type TestTemplate } from './template';

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
 * PostgreSQL server (e.g. a throwaway cluster, tests/support/pg-cluster.ts). With
 * `template`, a PGlite or a PostgreSQL database starts as a copy of the run's seeded
 * template; a PGlite without one starts as a copy of the run's new, empty database
 * (the same as a new PGlite, without its initdb).
 */
export async function createTestDatabase(opts: { dir?: string; base?: string; template?: TestTemplate | null } = {}): Promise<TestDatabase> {
  const base = opts.base ?? process.env.DATABASE_URL;
  if (!base) {
    const dump = opts.template?.pgliteDump ?? testTemplate()?.pgliteBlankDump;
    if (dump && opts.dir) unpackPgliteDump(dump, opts.dir);
    let store = await openPglite(opts.dir, dump && !opts.dir ? { load: dumpBlob(dump) } : {});
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
  const created = await createDatabase(base, `xgw_t_${process.pid}_${randomBytes(4).toString('hex')}`, { template: opts.template?.pgTemplate ?? undefined });
  const url = created.url;
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
      await created.drop();
    },
  };
}

/** The tarballs a test file loads, read once per file. */
const blobs = new Map<string, Blob>();
const dumpBlob = (file: string) => blobs.get(file) ?? blobs.set(file, new Blob([fs.readFileSync(file)])).get(file)!;

/**
 * Unpacks a PGlite data-directory tarball (global-setup's) into `dir` unless it already holds
 * a database: a PGlite directory as PGlite would make it, without initdb's ≈6 s.
 */
export function unpackPgliteDump(dump: string, dir: string): void {
  if (fs.existsSync(`${dir}/PG_VERSION`)) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  execFileSync('tar', ['-xf', dump, '-C', dir], { stdio: 'pipe' }); // its members are /PG_VERSION, /base/…
}

/** Prepares `dataDir`/pgdata for the real CLI from the run's new, empty PGlite database (when there is one). */
export function prepareCliPglite(dataDir: string): void {
  const blank = testTemplate()?.pgliteBlankDump;
  if (blank) unpackPgliteDump(blank, `${dataDir}/pgdata`);
}
