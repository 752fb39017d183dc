import { Client, Pool, types, type PoolClient } from 'pg';
import type { Db, QueryResult, Store } from './db';
import { isStoreUnavailable } from './unavailable';

interface CheckedOut {
  client: PoolClient;
  /** The connection error this client has had, if any: it is then destroyed, not returned to the pool. */
  lost: Error | null;
  release(): void;
}

/**
 * A client for a transaction. While checked out it has no listener of the pool's, so
 * a backend terminated under it (pg_terminate_backend, a server restart) would emit
 * 'error' on nobody and end the process. The listener is attached in the pool's
 * callback, synchronously: with `await pool.connect()` the client is handed over in
 * the middle of parsing a socket chunk, and a FATAL 57P01 later in the same chunk
 * would be emitted before the awaiting code could listen.
 */
function checkOut(pool: Pool): Promise<CheckedOut> {
  return new Promise((resolve, reject) => {
    pool.connect((err, client, done) => {
      if (err || !client) return reject(err ?? new Error('the pool gave no client'));
      const out: CheckedOut = {
        client,
        lost: null,
        release() {
          client.off('error', onLost);
          done(out.lost ?? undefined);
        },
      };
      const onLost = (e: Error) => {
        out.lost ??= e;
      };
      client.on('error', onLost);
      resolve(out);
    });
  });
}

// bigint (int8) columns are sequence numbers and counts well inside 2^53.
types.setTypeParser(20, (v: string) => Number(v));

export function openPostgres(url: string, opts: { max?: number } = {}): Store {
  // A server that does not answer a connect at all (network partition) fails the request after 10 s, not never.
  const pool = new Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 10_000, keepAlive: true });
  // An idle client losing its server must not crash the process; the pool drops it and the next query reconnects.
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
      const checkedOut = await checkOut(pool);
      const { client } = checkedOut;
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
        if (isStoreUnavailable(err)) checkedOut.lost ??= err as Error;
        if (!checkedOut.lost) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        checkedOut.release();
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
