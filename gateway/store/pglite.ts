import { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult, Store } from './db';

/** A PGlite store can also hand out a copy of its whole data directory (a tarball). */
interface PgliteStore extends Store {
  dump(): Promise<Blob>;
}

/**
 * The database runs inside the gateway's process, so every page its buffer pool touches is
 * the gateway's RSS, and WASM memory never shrinks: with initdb's shared_buffers = 128MB the
 * gateway settled ~110 MB higher after the attachment benchmark's warm-up (485 MB against
 * 350–380 MB with 16MB; bench/attachments.ts, README).
 */
export const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/**
 * bytea parameters pass through as the bytes themselves (a binary parameter), as node-postgres
 * sends a Buffer. PGlite's own serializer spells them as hex text, one string per byte on the
 * way (`Array.from(bytes).map(…).join('')`): for a 256 KiB attachment chunk that is ~260,000
 * strings and a 512 KB text of garbage (documents/attachments.ts).
 */
const BYTEA_OID = 17;
const PASS_THROUGH = { [BYTEA_OID]: (x: unknown) => x as string };

/**
 * Embedded PostgreSQL (WASM) for demo and development. One connection: PGlite
 * serialises queries and transactions itself; `dataDir` undefined = in memory.
 * `load` starts from a data directory made by `dump()` (much faster than a new one).
 */
export async function openPglite(dataDir?: string, opts: { load?: Blob } = {}): Promise<PgliteStore> {
  const pg = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(opts.load ? { loadDataDir: opts.load } : {}),
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])],
    serializers: PASS_THROUGH,
  });
  const norm = <T>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<T> => ({
    rows: r.rows as T[],
    rowCount: r.affectedRows ?? r.rows.length,
  });
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => norm<T>(await pg.query(sql, params as unknown[])),
    tx: <T>(fn: (db: Db) => Promise<T>) =>
      pg.transaction(async (t) => {
        const db: Db = {
          query: async <R>(sql: string, params?: unknown[]) => norm<R>(await t.query(sql, params as unknown[])),
          exec: async (sql: string) => void (await t.exec(sql)),
        };
        return fn(db);
      }),
    async exec(sql: string) {
      await pg.exec(sql);
    },
    async listen(channel: string, onNotify: (payload: string) => void) {
      // Within the one process that owns the data directory (PGlite has no other connections).
      const stop = await pg.listen(channel, onNotify);
      return () => stop();
    },
    async copyBinary(select: string) {
      // PGlite has no COPY … TO STDOUT: its virtual file /dev/blob hands the output back as a Blob.
      const r = await pg.query(`COPY (${select}) TO '/dev/blob' (FORMAT binary)`);
      if (!r.blob) throw new Error('PGlite returned no COPY output');
      return Buffer.from(await r.blob.arrayBuffer());
    },
    dump: () => pg.dumpDataDir('none'),
    async close() {
      await pg.close();
    },
  };
}
