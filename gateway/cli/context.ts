import { loadConfig, type GatewayConfig } from '../config';
import { openStore } from '../store/open';
import { migrate } from '../store/migrate';
import type { Store } from '../store/db';
import { refuseIfGatewayOwnsData } from './local-admin';

/**
 * Opens the configured database (migrated) for a CLI command, closes it after. Refused
 * while a gateway runs on the same PGlite data directory (one process owns it): the
 * registry commands go through that gateway's admin API instead.
 */
export async function withStore<T>(fn: (store: Store, config: Readonly<GatewayConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  refuseIfGatewayOwnsData(config, 'registry commands (xgw members|agreements|systems|webhooks|users|registry) go through its admin API');
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  try {
    await migrate(store);
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

export const print = (line = ''): void => void process.stdout.write(line + '\n');
