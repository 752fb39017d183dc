import { Client, Pool, types, type PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { preparedName, type Db, type QueryResult, type Store } from './db';
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
  // application_name names the process in pg_stat_activity (one per gateway worker: XGW_WORKERS), unless the URL sets one.
  const pool = new Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 10_000, keepAlive: true, application_name: `xgw/${process.pid}` });
  // An idle client losing its server must not crash the process; the pool drops it and the next query reconnects.
  pool.on('error', () => undefined);
  const run = async <T>(
    q: { query: (c: { text: string; values?: unknown[]; name?: string }) => Promise<{ rows: unknown[]; rowCount: number | null }> },
    sql: string,
    params?: unknown[],
  ): Promise<QueryResult<T>> => {
    const name = preparedName(sql);
    const r = await q.query(name ? { name, text: sql, values: params } : { text: sql, values: params });
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
    listen: (channel, onNotify) => listenOn(url, channel, onNotify),
    async copyBinary(select: string) {
      const checkedOut = await checkOut(pool);
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of checkedOut.client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`))) chunks.push(chunk as Buffer);
        return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      } catch (err) {
        if (isStoreUnavailable(err)) checkedOut.lost ??= err as Error;
        throw err;
      } finally {
        checkedOut.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

/**
 * LISTEN on a dedicated connection (not the pool's: a pooled client would be handed
 * to queries). A lost connection is reopened after a second; notifications sent
 * meanwhile are lost, which is why listeners also poll.
 */
async function listenOn(url: string, channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
  let stopped = false;
  let client: Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const open = async (first = false): Promise<void> => {
    const c = new Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: 10_000 });
    const again = () => {
      if (client !== c || stopped) return;
      client = null;
      void c.end().catch(() => undefined);
      retry = setTimeout(() => void open(), 1000);
      retry.unref();
    };
    client = c;
    c.on('error', again);
    c.on('end', again);
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      if (first) throw err;
      again();
    }
  };
  await open(true);
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const c = client;
    client = null;
    await c?.end().catch(() => undefined);
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
