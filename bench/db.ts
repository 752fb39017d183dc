/**
 * Scratch databases for the benchmarks: a fresh PostgreSQL database xgw_bench_<rand> when a
 * URL is given (dropped after), otherwise a PGlite data directory under os.tmpdir() (removed
 * after). The gateway child opens it itself (DATABASE_URL / dataDir); `verify` reads it back
 * once the child has gone.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Store } from '../gateway/store/db';
import { openPglite } from '../gateway/store/pglite';
import { createDatabase, openPostgres } from '../gateway/store/postgres';
import { BENCH_SENDER } from './seed';

export interface VerifyCounts {
  messages: number;
  ackedFound: number;
  events: number;
  deliveries: number;
}

export interface BenchDb {
  kind: 'postgres' | 'pglite';
  /** PostgreSQL: the scratch database's name (its backends' CPU is measured apart from the server's other users). */
  name?: string;
  /** How the gateway child should open it. */
  spec: { kind: 'gateway'; databaseUrl?: string; dataDir?: string };
  /** Opens a store on it in this process (PGlite: only while no other process has it open). */
  open(): Promise<Store>;
  /** Counts rows and how many of the acknowledged messageIds are stored. */
  verify(acked: Set<string>): Promise<VerifyCounts>;
  drop(): Promise<void>;
}

const SQL = {
  messages: 'SELECT count(*)::int AS n FROM messages',
  events: 'SELECT count(*)::int AS n FROM message_events',
  deliveries: 'SELECT count(*)::int AS n FROM deliveries',
  acked: 'SELECT count(*)::int AS n FROM messages WHERE sender = $1 AND message_id = ANY($2::text[])',
};

async function countAll(q: (sql: string, p?: unknown[]) => Promise<number>, acked: Set<string>): Promise<VerifyCounts> {
  return {
    messages: await q(SQL.messages),
    events: await q(SQL.events),
    deliveries: await q(SQL.deliveries),
    ackedFound: await q(SQL.acked, [BENCH_SENDER, [...acked]]),
  };
}

/** `cleanups` receives the drop function, so an interrupted run still removes the database. */
export async function prepareDb(databaseUrl: string | null, cleanups: Array<() => Promise<void>>): Promise<BenchDb> {
  if (databaseUrl) {
    const name = `xgw_bench_${randomBytes(4).toString('hex')}`;
    const created = await createDatabase(databaseUrl, name);
    const url = created.url;
    let dropped = false;
    const drop = async () => {
      if (dropped) return;
      dropped = true;
      await created.drop();
    };
    cleanups.push(drop);
    return {
      kind: 'postgres',
      name,
      spec: { kind: 'gateway', databaseUrl: url },
      open: async () => openPostgres(url),
      async verify(acked) {
        const c = new Client({ connectionString: url });
        await c.connect();
        try {
          return await countAll(async (sql, p) => (await c.query<{ n: number }>(sql, p)).rows[0]!.n, acked);
        } finally {
          await c.end();
        }
      },
      drop,
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-'));
  // Same layout the gateway uses (openStore): <dataDir>/pgdata.
  const pgdata = path.join(dir, 'pgdata');
  let removed = false;
  const drop = async () => {
    if (removed) return;
    removed = true;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(drop);
  return {
    kind: 'pglite',
    spec: { kind: 'gateway', dataDir: dir },
    open: () => {
      fs.mkdirSync(pgdata, { recursive: true, mode: 0o700 });
      return openPglite(pgdata);
    },
    async verify(acked) {
      const store = await openPglite(pgdata);
      try {
        return await countAll(async (sql, p) => (await store.query<{ n: number }>(sql, p)).rows[0]!.n, acked);
      } finally {
        await store.close();
      }
    },
    drop,
  };
}
