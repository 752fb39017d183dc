import { Client, Pool, types } from 'pg';
import type { Db, QueryResult, Store } from './db';

// bigint (int8) columns are sequence numbers and counts well inside 2^53.
types.setTypeParser(20, (v: string) => Number(v));

export function openPostgres(url: string, opts: { max?: number } = {}): Store {
  const pool = new Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const run = async <T>(
    q: { query: (s: string, p?: unknown[]) => Promise<{ rows: unknown[]; rowCount: number | null }> },
    sql: string,
    params?: unknown[],
  ): Promise<QueryResult<T>> => {
    const r = await q.query(sql, params);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query: <T>(sql: string, params?: unknown[]) => run<T>(pool, sql, params),
    async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const db: Db = {
          query: <R>(sql: string, params?: unknown[]) => run<R>(client, sql, params),
          exec: async (sql: string) => void (await client.query(sql)),
        };
        const out = await fn(db);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * Creates a database on the server of `serverUrl` (optionally as a copy of `template`) and returns
 * its URL and a drop function (WITH FORCE: open connections are ended). Names are ours, never user input.
 */
export async function createDatabase(serverUrl: string, name: string, opts: { template?: string } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name) || (opts.template && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.template))) throw new Error(`not a plain database name: ${name}`);
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${opts.template}` : ''}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
