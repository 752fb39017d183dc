/**
 * `npm run bench`: load-tests a bare Express 5 JSON echo and the full gateway push
 * (POST /api/v1/messages, ~2 KB case record, hall → housing) with autocannon.
 *
 * Servers run in child processes (bench/target.ts); autocannon runs here. Each target gets
 * a discarded warm-up and then a measured window. The gateway runs on PGlite (temp data
 * directory, removed after) or, when DATABASE_URL is set, on a fresh PostgreSQL database
 * xgw_bench_<rand> (dropped after).
 *
 * Environment:
 *   DATABASE_URL       run the gateway on PostgreSQL (a scratch database is created/dropped)
 *   BENCH_SECONDS      measured window in seconds (default 10)
 *   BENCH_QUICK=1      3 s window, 2 s warm-up
 *   BENCH_WARMUP       warm-up seconds (default 3)
 *   BENCH_CONNECTIONS  autocannon connections (default 50)
 *   BENCH_TARGETS      comma list of targets to run: echo,node-echo,gateway,log,sign,service (the default; node-echo is the same echo on node:http alone),
 *                      and xml-gate (the worst SOAP bodies vs /healthz latency, bench/xml-gate.ts; not in the default),
 *                      case-stats (GET /stats/cases SQL over 10^6 seeded cases, bench/case-stats.ts; not in the default),
 *                      inbox (page latency at 10^4 and 10^6 stored messages, bench/inbox.ts; PostgreSQL, not in the default),
 *                      workers (`xgw start` push at XGW_WORKERS=1 vs 2, bench/workers.ts; PostgreSQL, not in the default),
 *                      delivery (the push with webhook delivery to a receiver in its own process, full load then paced, bench/delivery.ts; not in the default)
 *   BENCH_DRAIN_LIMIT_MS delivery: longest wait for the outbox to catch up after a window (default 180000)
 *   BENCH_DELIVERY     delivery: outbox settings over the defaults, JSON (e.g. {"perReceiverConcurrency":2})
 *   BENCH_WEBHOOK_BATCH delivery: the receiver's adapter config batchMax (messages per webhook request, default 1)
 *   BENCH_ANALYZE=1    delivery (PostgreSQL): ANALYZE the scratch database once the warm-up has drained (stale statistics)
 *   BENCH_INBOX_SIZES  inbox: comma list of stored-message counts (default 10000,1000000)
 *   BENCH_INBOX_PAGES  inbox: measured pages per size (default 200, after 20 warm-up pages)
 *   BENCH_LOG_ENTRIES  log target: entries in the verified log (default 200,000; see bench/log.ts)
 *   BENCH_STOP         gateway stop before the durability check: kill (SIGKILL, default) | graceful
 *   BENCH_QUIET_WAIT   seconds to wait for a quiet machine before each target (default 20)
 *   BENCH_ROUNDS       rounds of express-echo then gateway-push, alternating (default 1); the tables and the goal
 *                      take the round with the median ratio, and every round is listed (the machine drifts over minutes)
 *   BENCH_PROFILE=1    run the gateway child with --cpu-prof (implies a graceful stop) and
 *                      print a self-time summary (see bench/profile.ts)
 *
 * Writes bench/results.json (overwritten on every run).
 */
import { measureSigning, printSigning } from './sign';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../gateway/schemas/paths';
import { pushBody } from './case-record';
import { keepProfile, summariseProfile } from './profile';
import { printLogBench, runLogBench, type LogBenchResult } from './log';
import { printServiceBench, runServiceBench, type ServiceBenchResult } from './service';
import { waitForQuiet } from './cpu';
import { cleanups, runBenchMain } from './children';
import { runEcho, runGateway, type TargetResult } from './push';
import { CONNECTIONS, DATABASE_URL, DB_KIND, GOAL, PROFILE, ROUNDS, RUN_TAG, SECONDS, TARGETS, WARMUP } from './settings';
import { f0, f1, f2, markdownTable } from './table';
import { printXmlGate, runXmlGateBench, type XmlGateResult } from './xml-gate';
import { printCaseStatsBench, runCaseStatsBench, type CaseStatsBenchResult } from './case-stats';
import { printInboxBench, runInboxBench, type InboxBenchResult } from './inbox';
import { runWorkersBench } from './workers';
import { printDeliveryBench, runDeliveryBench, type DeliveryBenchResult } from './delivery';

// ---------------------------------------------------------------- rounds (BENCH_ROUNDS)

/** One round: the echo, then the push right after it. */
interface Round {
  echo: TargetResult;
  push: TargetResult;
}
const roundRatio = (r: Round): number => r.push.load.reqPerSec / r.echo.load.reqPerSec;
/** The round whose ratio is the median (the lower middle one of an even count). */
function medianRound(rounds: Round[]): Round {
  const sorted = [...rounds].sort((a, b) => roundRatio(a) - roundRatio(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

// ---------------------------------------------------------------- report

const table = (rows: string[][]): string => markdownTable(rows, (i) => i > 0);

/** Server CPU per answered request: less sensitive to neighbours on a shared machine than req/s. */
const serverMicrosPerRequest = (r: TargetResult) => (r.cpu.server * 1e6) / (r.load.ok / r.load.duration);
/** CPU of the target's own PostgreSQL backends per answered request (PostgreSQL runs only). */
const postgresMicrosPerRequest = (r: TargetResult) => (r.cpu.postgresBackends == null ? undefined : Math.round((r.cpu.postgresBackends * 1e6) / (r.load.ok / r.load.duration)));

async function main() {
  const { bodyFor, bytes, payloadBytes } = await pushBody(RUN_TAG);
  console.log(
    `xgw bench: ${os.cpus().length} CPUs, node ${process.version}, database ${DB_KIND}, ${CONNECTIONS} connections, ` +
      `warm-up ${WARMUP} s + measured ${SECONDS} s per target; request body ${bytes} B (case record ${payloadBytes} B, schema-valid)`,
  );
  const results: TargetResult[] = [];
  const rounds: Round[] = [];
  const paired = ROUNDS > 1 && TARGETS.includes('echo') && TARGETS.includes('gateway');
  const runExpressEcho = async (label = '') => {
    process.stdout.write(`running express-echo${label} … `);
    await waitForQuiet('express-echo');
    const r = await runEcho(bodyFor);
    console.log('done');
    return r;
  };
  const runPush = async (label = '') => {
    process.stdout.write(`running gateway-push on ${DB_KIND}${label} … `);
    await waitForQuiet('gateway-push');
    const r = await runGateway(bodyFor);
    console.log('done');
    return r;
  };
  for (let i = 1; paired && i <= ROUNDS; i++) {
    const label = ` (round ${i} of ${ROUNDS})`;
    const echo = await runExpressEcho(label);
    rounds.push({ echo, push: await runPush(label) });
  }
  const median = paired ? medianRound(rounds) : undefined;
  if (median) results.push(median.echo);
  else if (TARGETS.includes('echo')) results.push(await runExpressEcho());
  if (TARGETS.includes('node-echo')) {
    process.stdout.write('running node-echo … ');
    await waitForQuiet('node-echo');
    results.push(await runEcho(bodyFor, 'node'));
    console.log('done');
  }
  if (median) results.push(median.push);
  else if (TARGETS.includes('gateway')) results.push(await runPush());

  if (TARGETS.includes('workers')) {
    process.stdout.write('running xgw start with XGW_WORKERS=1, then 2 (push, PostgreSQL) … ');
    await waitForQuiet('workers');
    results.push(...(await runWorkersBench(bodyFor)));
    console.log('done');
  }
  let delivery: DeliveryBenchResult | undefined;
  if (TARGETS.includes('delivery')) {
    process.stdout.write(`running the push with webhook delivery on ${DB_KIND} (full load, then paced) … `);
    await waitForQuiet('delivery');
    delivery = await runDeliveryBench(bodyFor);
    console.log('done');
  }
  let inbox: InboxBenchResult | undefined;
  if (TARGETS.includes('inbox')) {
    process.stdout.write('running inbox pages at 10^4 and 10^6 stored messages (PostgreSQL) … ');
    await waitForQuiet('inbox');
    inbox = await runInboxBench(bodyFor);
    console.log('done');
  }

  // ------------------------------------------------------------ log: stored-log verification, inclusion proofs (bench/log.ts)
  let log: LogBenchResult | undefined;
  if (TARGETS.includes('log')) {
    process.stdout.write(`running log benchmarks on ${DB_KIND} … `);
    await waitForQuiet('log');
    log = await runLogBench(DATABASE_URL, cleanups);
    console.log('done');
  }
  // ------------------------------------------------------------ end log
  let xmlGate: XmlGateResult | undefined;
  if (TARGETS.includes('xml-gate')) {
    process.stdout.write(`running the XML gate against the worst SOAP bodies on ${DB_KIND} … `);
    await waitForQuiet('xml-gate');
    xmlGate = await runXmlGateBench();
    console.log('done');
  }
  let caseStats: CaseStatsBenchResult | undefined;
  if (TARGETS.includes('case-stats')) {
    process.stdout.write(`running the case statistics over 10^6 seeded cases on ${DB_KIND} … `);
    await waitForQuiet('case-stats');
    caseStats = await runCaseStatsBench(DATABASE_URL, cleanups);
    console.log('done');
  }
  let service: ServiceBenchResult | undefined;
  if (TARGETS.includes('service')) {
    process.stdout.write(`running the query-enterprise service (direct SOAP, then through the gateway on ${DB_KIND}) … `);
    const profileDir = PROFILE ? fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-bench-prof-')) : undefined;
    service = await runServiceBench({ databaseUrl: DATABASE_URL, seconds: SECONDS, warmup: WARMUP, connections: CONNECTIONS, cleanups, profileDir });
    if (profileDir) service.profile = keepProfile(profileDir, `xgw-bench-service-${DB_KIND}.cpuprofile`);
    console.log('done');
  }

  // A run of only non-push targets (e.g. BENCH_TARGETS=inbox) prints no empty tables.
  if (results.length) {
  console.log();
  console.log(
    table([
      ['target', 'req/s (mean)', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx', 'errors'],
      ...results.map((r) => [
        r.target + (r.database ? ` (${r.database})` : ''),
        f0(r.load.reqPerSec),
        f1(r.load.p50),
        f1(r.load.p90),
        f1(r.load.p99),
        f0(r.load.max),
        f0(r.load.ok),
        f0(r.load.non2xx),
        f0(r.load.errors),
      ]),
    ]),
  );
  console.log();
  console.log(
    table([
      ['CPU (cores, avg over window)', 'machine', 'load generator', 'server', 'server µs/req', 'server loop busy / main thread CPU', 'postgres', 'pg backends µs/req', 'other processes'],
      ...results.map((r) => [
        r.target,
        r.cpu.machine === null ? 'n/a' : `${f2(r.cpu.machine)} / ${r.cpu.machineCores}`,
        f2(r.cpu.loadGenerator),
        f2(r.cpu.server),
        f0(serverMicrosPerRequest(r)),
        r.cpu.serverLoop === null ? '-' : `${f0(r.cpu.serverLoop * 100)} % / ${r.cpu.serverMainThread === null ? '-' : `${f0(r.cpu.serverMainThread * 100)} %`}`,
        r.cpu.postgres === null ? '-' : f2(r.cpu.postgres),
        postgresMicrosPerRequest(r) === undefined ? '-' : f0(postgresMicrosPerRequest(r)!),
        r.cpu.other === null ? 'n/a' : f2(r.cpu.other),
      ]),
    ]),
  );
  }

  const noisy = results.filter((r) => (r.cpu.other ?? 0) >= 0.2);
  if (noisy.length) {
    console.log(
      `\nWARNING: other processes used CPU during ${noisy.map((r) => `${r.target} (${f2(r.cpu.other!)} cores)`).join(', ')}; ` +
        `on a ${os.cpus().length}-CPU machine that depresses the numbers. Re-run on a quiet machine before quoting them.`,
    );
  }
  if (rounds.length) {
    console.log();
    console.log(`${rounds.length} rounds, alternating (the tables above and the goal: the round with the median ratio):`);
    console.log(
      table([
        ['round', 'express-echo req/s', 'echo µs/req', 'gateway-push req/s', 'push µs/req', 'pg µs/push', 'push p99 ms', 'ratio'],
        ...rounds.map((r, i) => [
          String(i + 1),
          f0(r.echo.load.reqPerSec),
          f0(serverMicrosPerRequest(r.echo)),
          f0(r.push.load.reqPerSec),
          f0(serverMicrosPerRequest(r.push)),
          postgresMicrosPerRequest(r.push) === undefined ? '-' : f0(postgresMicrosPerRequest(r.push)!),
          f1(r.push.load.p99),
          f2(roundRatio(r)),
        ]),
      ]),
    );
  }
  const echo = results.find((r) => r.target === 'express-echo');
  const gw = results.find((r) => r.target === 'gateway-push');
  const ratios: Record<string, number> = {};
  let goal: { met: boolean; appliesTo: 'postgres'; measuredOn: string; ratio: number; p99Ms: number } | undefined;
  console.log();
  if (gw?.groupCommit) {
    const g = gw.groupCommit;
    console.log(`group commit (measured window): ${f0(g.commits)} commits, ${f0(g.messages)} messages, mean batch ${f2(g.meanBatch)} (incl. warm-up ${f2(g.meanBatchInclWarmup)})`);
  }
  if (gw?.durability) {
    const d = gw.durability;
    console.log(
      `durability (${d.stop === 'kill' ? 'gateway SIGKILLed' : 'gateway closed'}, DB read afterwards): ${d.ok ? 'OK' : 'FAILED'} — ` +
        `${f0(d.ackedFoundInDb)} of ${f0(d.acknowledged)} acknowledged (2xx) messages are stored; messages rows ${f0(d.rowsInMessages)} ` +
        `(${d.committedNotCounted >= 0 ? '+' : ''}${d.committedNotCounted} vs 2xx: committed but in flight when autocannon stopped, answer not counted), ` +
        `events ${f0(d.messageEvents)}, deliveries ${f0(d.deliveries)}`,
    );
  }
  const w1 = results.find((r) => r.target === 'xgw-start-workers-1');
  const w2 = results.find((r) => r.target === 'xgw-start-workers-2');
  if (w1 && w2) {
    ratios.workers2To1ReqPerSec = w2.load.reqPerSec / w1.load.reqPerSec;
    console.log(`ratio XGW_WORKERS=2 / XGW_WORKERS=1 req/s: ${f2(ratios.workers2To1ReqPerSec)}`);
    for (const w of [w1, w2]) {
      const d = w.durability!;
      console.log(`${w.target} durability (SIGTERM, DB read afterwards): ${d.ok ? 'OK' : 'FAILED'} — ${f0(d.ackedFoundInDb)} of ${f0(d.acknowledged)} acknowledged stored`);
    }
  }
  if (echo && gw) {
    ratios.gatewayToEchoReqPerSec = gw.load.reqPerSec / echo.load.reqPerSec;
    console.log(`answer bodies: the echo's ${f0(echo.answerBytes ?? 0)} B (receipt-shaped, bench/receipt.ts), the push's signed receipt ${f0(gw.answerBytes ?? 0)} B`);
    console.log(`ratio gateway/echo req/s: ${f2(ratios.gatewayToEchoReqPerSec)}`);
    const nodeEcho = results.find((r) => r.target === 'node-echo');
    if (nodeEcho) {
      ratios.gatewayToNodeEchoReqPerSec = gw.load.reqPerSec / nodeEcho.load.reqPerSec;
      console.log(`ratio gateway/node:http echo req/s (no Express, for reference; not the goal's baseline): ${f2(ratios.gatewayToNodeEchoReqPerSec)}`);
    }
    goal = {
      appliesTo: 'postgres',
      measuredOn: DB_KIND,
      ratio: ratios.gatewayToEchoReqPerSec,
      p99Ms: gw.load.p99,
      met: ratios.gatewayToEchoReqPerSec >= GOAL.ratio && gw.load.p99 < GOAL.p99Ms && gw.load.non2xx === 0 && gw.load.errors === 0,
    };
    const ofRounds = rounds.length ? `, the median of ${rounds.length} rounds (${rounds.map((r) => f2(roundRatio(r))).join(', ')})` : '';
    const verdict = `ratio ${f2(goal.ratio)}${ofRounds} (need ≥ ${GOAL.ratio}), p99 ${f1(goal.p99Ms)} ms (need < ${GOAL.p99Ms} ms)`;
    if (DB_KIND === 'postgres') console.log(`goal (PostgreSQL, ≥ ${GOAL.ratio}× echo req/s and p99 < ${GOAL.p99Ms} ms): ${goal.met ? 'MET' : 'NOT MET'} — ${verdict}`);
    else console.log(`goal applies to durable PostgreSQL; on PGlite for reference: ${goal.met ? 'would be met' : 'would not be met'} — ${verdict}`);
  }

  const out = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, node: process.version, platform: `${os.platform()} ${os.release()}` },
    date: new Date().toISOString(),
    database: DB_KIND,
    connections: CONNECTIONS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    requestBodyBytes: bytes,
    results: results.map((r) => ({ ...r, serverMicrosPerRequest: Math.round(serverMicrosPerRequest(r)), postgresMicrosPerRequest: postgresMicrosPerRequest(r) })),
    ratios,
    goal,
    ...(rounds.length
      ? {
          rounds: rounds.map((r) => ({
            echoReqPerSec: Math.round(r.echo.load.reqPerSec),
            echoMicrosPerRequest: Math.round(serverMicrosPerRequest(r.echo)),
            pushReqPerSec: Math.round(r.push.load.reqPerSec),
            pushMicrosPerRequest: Math.round(serverMicrosPerRequest(r.push)),
            postgresMicrosPerPush: postgresMicrosPerRequest(r.push),
            pushP99Ms: r.push.load.p99,
            ratio: Number(roundRatio(r).toFixed(3)),
          })),
        }
      : {}),
  };
  const file = path.join(projectRoot(), 'bench', 'results.json');
  // log: the figures go under "log"; a log-only run (BENCH_TARGETS=log) keeps the HTTP figures already in the file
  if (log) {
    console.log();
    printLogBench(log);
  }
  // crypto: sign/verify per second per algorithm, one core, KeyObjects cached (runs in this process, after the load)
  const signing = TARGETS.includes('sign') ? measureSigning() : null;
  if (signing) {
    console.log();
    printSigning(signing);
  }
  if (service) printServiceBench(service);
  if (delivery) {
    printDeliveryBench(
      delivery,
      gw && { reqPerSec: gw.load.reqPerSec, microsPerPush: serverMicrosPerRequest(gw), postgresMicrosPerPush: postgresMicrosPerRequest(gw) },
    );
  }
  if (inbox) printInboxBench(inbox);
  if (xmlGate) printXmlGate(xmlGate);
  if (caseStats) {
    console.log();
    printCaseStatsBench(caseStats);
  }
  if (service?.profile) {
    console.log(`\nCPU profile of the gateway child in the service bench: ${service.profile}`);
    console.log(summariseProfile(service.profile, { top: 25 }));
  }
  // A run without the push targets (e.g. BENCH_TARGETS=log,service) keeps the push figures already in the file.
  const previous = !results.length && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
  const fresh = Object.fromEntries(Object.entries({ log, signing, service, xmlGate, caseStats, inbox, delivery }).filter(([, v]) => v));
  fs.writeFileSync(file, JSON.stringify(previous ? { ...previous, ...fresh } : { ...out, ...fresh }, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file) || file}`);
  if (gw?.profile) {
    console.log(`\nCPU profile of the gateway child (whole run: start, warm-up, window, close): ${gw.profile}`);
    console.log(summariseProfile(gw.profile, { top: 25 }));
  }
  if (gw?.durability && !gw.durability.ok) process.exitCode = 1;
  if (rounds.some((r) => r.push.durability && !r.push.durability.ok)) {
    console.log(`durability FAILED in round(s) ${rounds.flatMap((r, i) => (r.push.durability && !r.push.durability.ok ? [i + 1] : [])).join(', ')}`);
    process.exitCode = 1;
  }
  if ([w1, w2].some((w) => w?.durability && !w.durability.ok)) process.exitCode = 1;
}

runBenchMain(main);
