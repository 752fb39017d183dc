import { loadConfig, type GatewayConfig } from '../config';
import { openStore } from '../store/open';
import { migrate } from '../store/migrate';
import type { Store } from '../store/db';

/** Opens the configured database (migrated) for a CLI command, closes it after. */
export async function withStore<T>(fn: (store: Store, config: Readonly<GatewayConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  try {
    await migrate(store);
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

export const print = (line = ''): void => void process.stdout.write(line + '\n');
