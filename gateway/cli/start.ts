import { loadConfig } from '../config';
import { createGateway } from '../gateway';
import { seedDemo } from '../registry/demo';
import { systemClock } from '../clock';
import { print } from './context';
import path from 'node:path';

/** `xgw start`: the gateway in the foreground; stops cleanly on SIGINT/SIGTERM. */
export async function start(): Promise<void> {
  const config = loadConfig();
  const gw = await createGateway(config);
  let creds = null;
  if (config.demo) {
    creds = await seedDemo(gw.deps.store, systemClock, config.dataDir);
    await gw.deps.directory.reload();
  }
  const url = await gw.listen();
  const shown = config.publicUrl ?? url;
  print(`xgw gateway listening on ${shown}  (database: ${gw.deps.store.kind}${config.databaseUrl ? '' : `, ${path.resolve(config.dataDir)}`})`);
  print(`  API docs:  ${shown}/docs`);
  print(`  health:    ${shown}/healthz   metrics: ${shown}/metrics`);
  if (creds) {
    print(`  demo mode: members ${Object.keys(creds.members).join(', ')}`);
    print(`  demo logins (POST ${shown}/api/v1/auth/login):`);
    for (const [login, u] of Object.entries(creds.users)) print(`    ${login.padEnd(16)} ${u.role.padEnd(11)} password ${u.password}`);
    print(`  member tokens and passwords: ${path.resolve(config.dataDir, 'demo-credentials.json')}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.deps.log.info({ signal }, 'stopping');
    await gw.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
