import { ConfigError, loadConfig, type GatewayConfig } from '../config';
import type { Store } from '../store/db';
import { newSecret } from '../ids';
import { forkWorkers, isWorkerProcess, runWorker } from './workers';
import { createGateway, preparePki } from '../gateway';
import { openStore } from '../store/open';
import { migrate } from '../store/migrate';
import { seedDemo, stationMembers } from '../registry/demo';
import { startDemoAgencies } from './demo-agencies';
import { startDemoWitness } from './demo-witness';
import { systemClock } from '../clock';
import { print } from './context';
import path from 'node:path';
import { claimDataDir, publishRunFile } from './local-admin';
import { hasAdmin } from '../registry/first-admin';
import { chinaDate, WorkingCalendar } from '../cases/calendar';
import { pushDemoHistory } from './demo-history';

/** The deliveries 税务's mock refuses at a first demo start, so that the admin finds dead letters to replay. */
const DEMO_DEAD_LETTERS = 2;

/** The demo history of a first start: cases accepted over this many past months, pushed this many at once (the gateway stays responsive). */
const HISTORY_MONTHS = 4;
const HISTORY_CONCURRENCY = 4;

/** `xgw start`: the gateway in the foreground; stops cleanly on SIGINT/SIGTERM. */
export async function start(): Promise<void> {
  if (isWorkerProcess()) return runWorker();
  let config = loadConfig();
  if (config.workers > 1 && !config.databaseUrl) {
    throw new ConfigError('workers', `XGW_WORKERS=${config.workers} needs PostgreSQL (DATABASE_URL): PGlite is one process per data directory`);
  }
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
  const serving = await serve(config, store);
  // The mock station checks the gateway's package signatures (XMLDSig) with this certificate.
  if (demo && serving.packageCertPem) demo.trustGateway(serving.packageCertPem);
  const url = serving.url;
  // The CLI on this machine reaches the registry through this process (cli/local-admin.ts).
  const unpublish = publishRunFile(config.dataDir, url, serving.localAdminToken);
  const shown = config.publicUrl ?? url;
  // One write, so whoever reads the banner gets it whole.
  const lines = [
    `xgw gateway listening on ${shown}  (database: ${store.kind}${config.databaseUrl ? '' : `, ${path.resolve(config.dataDir)}`}${config.workers > 1 ? `; ${config.workers} worker processes` : ''})`,
    `  console:   ${shown}/console/   (web console; log in with a demo login below)`,
    `  API docs:  ${shown}/docs`,
    `  health:    ${shown}/healthz   metrics: ${shown}/metrics`,
  ];
  if (creds) {
    lines.push(`  demo mode: members ${Object.keys(creds.members).join(', ')}`);
    lines.push(`  demo logins (POST ${shown}/api/v1/auth/login):`);
    for (const [login, u] of Object.entries(creds.users)) lines.push(`    ${login.padEnd(16)} ${u.role.padEnd(11)} password ${u.password}`);
    lines.push(`  member tokens and passwords: ${path.resolve(config.dataDir, 'demo-credentials.json')}`);
    if (creds.replaced) lines.push(`  note: the demo-credentials.json found did not match this database; it was kept as ${creds.replaced} and new demo credentials were issued`);
    lines.push(`  mock agencies: 市场监管 ${demo!.agencies.amr.url} (SOAP 1.1), 税务 ${demo!.agencies.tax.url} (SOAP 1.2, GBK)`);
    lines.push(`  their inbound SOAP endpoints here: ${shown}/soap/amr?wsdl  ${shown}/soap/tax?wsdl`);
    lines.push(`  mock exchange station (市电子公文交换站): ${demo!.station.url}/packages  (公文 to ${stationMembers.map((m) => m.code).join(', ')} go through it; it delivers to ${shown}/api/v1/station/packages)`);
    lines.push(`  witness (own process, ${path.resolve(config.dataDir, 'witness')}): ${witnessed!.witness.url}`);
    lines.push(`    its key (xgw verify bundle --witness): ${witnessed!.witness.vkey}`);
  }
  if (!creds && !(await hasAdmin(store))) lines.push(...firstSteps());
  // A demo installation without any case yet (its first start) gets a living history, in the background.
  const history = creds && config.demoHistoryCases > 0 && !(await store.query('SELECT 1 FROM cases LIMIT 1')).rows.length ? config.demoHistoryCases : 0;
  if (history) {
    lines.push(`  demo history: pushing ${history} cases of the past ${HISTORY_MONTHS} months through the exchange in the background (the dashboard fills as they go; XGW_DEMO_HISTORY=0: none)`);
    // Something for the admin's 死信队列 (replay): 税务's mock refuses its first deliveries with a business fault.
    demo!.agencies.tax.behave({ fault: { code: 'Sender', reason: '材料不全（演示）' }, times: DEMO_DEAD_LETTERS });
    lines.push(`    税务's mock refuses its first ${DEMO_DEAD_LETTERS} deliveries (材料不全): dead letters for the admin to replay (控制台 死信队列)`);
  }
  print(lines.join('\n'));
  let stopping = false;
  if (history) {
    const target = { url, creds: creds!, calendar: new WorkingCalendar(config.cases.calendar), today: chinaDate(systemClock.now()) };
    pushDemoHistory(target, { cases: history, months: HISTORY_MONTHS, seed: 1, concurrency: HISTORY_CONCURRENCY })
      .then((r) => print(`xgw: demo history ready: ${r.cases} case(s), ${r.messages} message(s) through the exchange (more: xgw demo generate --seed 2)`))
      .catch((err: Error) => stopping || print(`xgw: demo history stopped: ${err.message}`));
  }
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Synchronously before close() stops the listener: whoever reads this line finds new connections refused.
    const inFlight = serving.inFlight();
    print(`xgw: stopping (${signal}): no new connections; ${inFlight === null ? 'requests' : `${inFlight} request(s)`} in flight get up to ${config.shutdownTimeoutMs} ms, then writes drain and the last checkpoint is signed`);
    unpublish();
    await serving.stop();
    await demo?.close();
    await witnessed?.witness.close();
    await store.close();
    print('xgw: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

interface Serving {
  url: string;
  localAdminToken: string;
  /** The gateway's exchange-station package certificate (RSA), when its PKI has one. */
  packageCertPem: string | null;
  /** Requests in flight (null: spread over worker processes). */
  inFlight(): number | null;
  stop(): Promise<void>;
}

/** The gateway in this process, or XGW_WORKERS of them in worker processes (cli/workers.ts). */
async function serve(config: Readonly<GatewayConfig>, store: Store): Promise<Serving> {
  const localAdminToken = newSecret('xgl');
  if (config.workers > 1) {
    const trust = await preparePki(config, store, systemClock);
    const workers = await forkWorkers(config.workers, config, localAdminToken);
    return { url: workers.url, localAdminToken, packageCertPem: trust.packageSigning?.certPem ?? null, inFlight: () => null, stop: () => workers.stop() };
  }
  const gw = await createGateway(config, { store });
  gw.deps.auth.setLocalAdmin(localAdminToken);
  const url = await gw.listen();
  return { url, localAdminToken, packageCertPem: gw.deps.trust.packageSigning?.certPem ?? null, inFlight: () => gw.inFlight(), stop: () => gw.close() };
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
