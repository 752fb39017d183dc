import fs from 'node:fs';
import path from 'node:path';
import type { Store } from './db';

/** DATABASE_URL wins; otherwise an embedded PGlite database under dataDir/pgdata. (Each driver is loaded only when used.) */
export async function openStore(opts: { databaseUrl?: string; dataDir?: string; inMemory?: boolean }): Promise<Store> {
  if (opts.databaseUrl) return (await import('./postgres')).openPostgres(opts.databaseUrl);
  const { openPglite } = await import('./pglite');
  if (opts.inMemory || !opts.dataDir) return openPglite();
  const dir = path.join(opts.dataDir, 'pgdata');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return openPglite(dir);
}
