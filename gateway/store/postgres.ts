import { Pool, types } from 'pg';
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
