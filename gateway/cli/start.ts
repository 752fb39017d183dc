import { loadConfig } from '../config';
import { createGateway } from '../gateway';
import { openStore } from '../store/open';
import { migrate } from '../store/migrate';
import { seedDemo, stationMembers } from '../registry/demo';
import { startDemoAgencies } from './demo-agencies';
import { startDemoWitness } from './demo-witness';
import { systemClock } from '../clock';
import { print } from './context';
import path from 'node:path';
import { claimDataDir, publishLocalAdmin } from './local-admin';
import { hasAdmin } from '../registry/first-admin';

/** `xgw start`: the gateway in the foreground; stops cleanly on SIGINT/SIGTERM. */
export async function start(): Promise<void> {
  let config = loadConfig();
  // Before the database is opened: the CLI must not write the data directory behind this process's back.
  claimDataDir(config);
  // The registry comes first: members need their keys when the gateway opens its PKI.
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  await migrate(store);
  const creds = config.demo ? await seedDemo(store, systemClock, config.dataDir) : null;
  const demo = creds ? await startDemoAgencies(config, creds) : null;
  if (demo) config = demo.config;
  const witnessed = creds ? await startDemoWitness(config) : null;
  if (witnessed) config = witnessed.config;
  const gw = await createGateway(config, { store });
  const packageCert = gw.deps.trust.packageSigning?.certPem;
  if (demo && packageCert) demo.trustGateway(packageCert);
  const url = await gw.listen();
  // The CLI on this machine reaches the registry through this process (cli/local-admin.ts).
  const unpublish = publishLocalAdmin(config.dataDir, url, gw.deps.auth);
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
    lines.push(`  mock exchange station (市电子公文交换站): ${demo!.station.url}/packages  (公文 to ${stationMembers.map((m) => m.code).join(', ')} go through it; it delivers to ${shown}/api/v1/station/packages)`);
    lines.push(`  witness (own process, ${path.resolve(config.dataDir, 'witness')}): ${witnessed!.witness.url}`);
    lines.push(`    its key (xgw verify bundle --witness): ${witnessed!.witness.vkey}`);
  }
  if (!creds && !(await hasAdmin(store))) lines.push(...firstSteps());
  print(lines.join('\n'));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.deps.log.info({ signal }, 'stopping');
    unpublish();
    await gw.close();
    await demo?.close();
    await witnessed?.witness.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** What a non-demo first start tells the operator (README "Registry administration"). */
function firstSteps(): string[] {
  return [
    '  the registry has no admin yet. Next, in another terminal (same XGW_DATA_DIR / DATABASE_URL):',
    "    1. xgw init --member <code> --name <单位名称> --uscc <统一社会信用代码> --admin <login>   the operator's department and the first admin",
    '    2. xgw members add <code> --name <单位名称> --uscc <统一社会信用代码> --adapter dept-rest   each department',
    '    3. xgw systems add <member> default && xgw systems token <member> default          its system and bearer token',
    '    4. xgw agreements add --sender <code> --receiver <code> --type case-record --purposes case-handling',
    '    5. xgw webhooks set <member> --url https://…   for push delivery, then xgw members set <member> --delivery push',
    '  (or POST the same to /api/v1/admin/… as the admin; see /docs, tag admin)',
  ];
}
