import { loadConfig } from '../config';
import { createGateway } from '../gateway';
import { openStore } from '../store/open';
import { migrate } from '../store/migrate';
import { seedDemo } from '../registry/demo';
import { startDemoAgencies } from './demo-agencies';
import { startDemoWitness } from './demo-witness';
import { systemClock } from '../clock';
import { print } from './context';
import path from 'node:path';

/** `xgw start`: the gateway in the foreground; stops cleanly on SIGINT/SIGTERM. */
export async function start(): Promise<void> {
  let config = loadConfig();
  // The registry comes first: members need their keys when the gateway opens its PKI.
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  await migrate(store);
  const creds = config.demo ? await seedDemo(store, systemClock, config.dataDir) : null;
  const demo = creds ? await startDemoAgencies(config, creds) : null;
  if (demo) config = demo.config;
  const witnessed = creds ? await startDemoWitness(config) : null;
  if (witnessed) config = witnessed.config;
  const gw = await createGateway(config, { store });
  const url = await gw.listen();
  const shown = config.publicUrl ?? url;
  // One write, so whoever reads the banner gets it whole.
  const lines = [
    `xgw gateway listening on ${shown}  (database: ${gw.deps.store.kind}${config.databaseUrl ? '' : `, ${path.resolve(config.dataDir)}`})`,
    `  console:   ${shown}/console/   (web console; log in with a demo login below)`,
    `  API docs:  ${shown}/docs`,
    `  health:    ${shown}/healthz   metrics: ${shown}/metrics`,
  ];
  if (creds) {
    lines.push(`  demo mode: members ${Object.keys(creds.members).join(', ')}`);
    lines.push(`  demo logins (POST ${shown}/api/v1/auth/login):`);
    for (const [login, u] of Object.entries(creds.users)) lines.push(`    ${login.padEnd(16)} ${u.role.padEnd(11)} password ${u.password}`);
    lines.push(`  member tokens and passwords: ${path.resolve(config.dataDir, 'demo-credentials.json')}`);
    lines.push(`  mock agencies: 市场监管 ${demo!.agencies.amr.url} (SOAP 1.1), 税务 ${demo!.agencies.tax.url} (SOAP 1.2, GBK)`);
    lines.push(`  their inbound SOAP endpoints here: ${shown}/soap/amr?wsdl  ${shown}/soap/tax?wsdl`);
    lines.push(`  witness (own process, ${path.resolve(config.dataDir, 'witness')}): ${witnessed!.witness.url}`);
    lines.push(`    its key (xgw verify bundle --witness): ${witnessed!.witness.vkey}`);
  }
  print(lines.join('\n'));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.deps.log.info({ signal }, 'stopping');
    await gw.close();
    await demo?.agencies.close();
    await witnessed?.witness.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
