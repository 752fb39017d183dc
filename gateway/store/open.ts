import fs from 'node:fs';
import path from 'node:path';
import type { Store } from './db';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

/** DATABASE_URL wins; otherwise an embedded PGlite database under dataDir/pgdata. */
export async function openStore(opts: { databaseUrl?: string; dataDir?: string; inMemory?: boolean }): Promise<Store> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  if (opts.inMemory || !opts.dataDir) return openPglite();
  const dir = path.join(opts.dataDir, 'pgdata');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openPglite(dir);
}
