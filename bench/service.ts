/**
 * The synchronous service bench (BENCH_TARGETS=service): query-enterprise at the mock
 * 市场监管 (SOAP 1.1), called directly as SOAP and through the gateway as JSON, side by
 * side in one run. The gateway's part per call: auth, agreement, request schema, JSON →
 * SOAP mapping, the SOAP client (safety check, parse), SOAP → JSON mapping, response
 * schema, a service_calls row and a service.called log entry in one transaction, and an
 * SM2 signature over the answer. The mock agency runs in its own process.
 */
import autocannon from 'autocannon';
import { queryEnterprise } from '../adapters/amr-soap/mapping';
import { startTarget } from './children';
import { cpuWindow, waitForQuiet, type CpuWindow } from './cpu';
import { prepareDb } from './db';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { f0, f1, f2, markdownTable } from './table';

const USCC = '91350100273896412W';

export interface ServiceRun {
  target: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  cpu: CpuWindow;
}

export interface ServiceBenchResult {
  database: 'postgres' | 'pglite';
  /** BENCH_PROFILE=1: the gateway child's CPU profile (a .cpuprofile path). */
  profile?: string;
  connections: number;
  direct: ServiceRun;
  viaGateway: ServiceRun;
  /** gateway req/s ÷ direct req/s, measured in the same run. */
  ratio: number;
}

async function hammer(url: string, headers: Record<string, string>, body: string, seconds: number, connections: number) {
  const r = await autocannon({ url, connections, pipelining: 1, duration: seconds, method: 'POST', headers, body });
  return { reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], non2xx: r.non2xx, errors: r.errors };
}

export async function runServiceBench(opts: {
  databaseUrl: string | null;
  seconds: number;
  warmup: number;
  connections: number;
  cleanups: Array<() => Promise<void>>;
  /** Run the gateway child with --cpu-prof into this directory. */
  profileDir?: string;
}): Promise<ServiceBenchResult> {
  const kind = opts.databaseUrl ? 'postgres' : 'pglite';
  const agencies = await startTarget({ kind: 'agencies' });
  const db = await prepareDb(opts.databaseUrl, opts.cleanups);
  const execArgv = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const gw = await startTarget({ ...db.spec, adapters: { ...unreachableDemoAgencies, amr: { endpoint: agencies.url, maxConcurrent: 64, maxQueued: 256 } } }, execArgv);
  try {
    const soap = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${queryEnterprise.toNative({ uscc: USCC }).text}</soap:Body></soap:Envelope>`;
    const soapHeaders = { 'content-type': 'text/xml; charset=utf-8', soapaction: '"http://amr.jiangzhou.gov.cn/ws/case/v1/QueryEnterprise"' };
    const json = JSON.stringify({ uscc: USCC });
    const jsonHeaders = { 'content-type': 'application/json', authorization: `Bearer ${gw.token}`, 'x-purpose': 'case-handling', 'x-case-id': 'JZ-BENCH-000001' };
    const gwUrl = `${gw.url}/api/v1/services/amr/query-enterprise`;
    const probe = await fetch(gwUrl, { method: 'POST', headers: jsonHeaders, body: json });
    if (probe.status !== 200) throw new Error(`bench: the service probe failed: ${probe.status} ${await probe.text()}`);

    const run = async (target: string, cpuOf: { cpu(): Promise<number> }, url: string, headers: Record<string, string>, body: string): Promise<ServiceRun> => {
      await waitForQuiet(target);
      await hammer(url, headers, body, opts.warmup, opts.connections);
      const { out, cpu } = await cpuWindow(cpuOf, kind, () => hammer(url, headers, body, opts.seconds, opts.connections));
      return { target, ...out, cpu };
    };
    const direct = await run('agency-direct (SOAP)', agencies, agencies.url, soapHeaders, soap);
    const viaGateway = await run('gateway service (JSON → SOAP → JSON)', gw, gwUrl, jsonHeaders, json);
    return { database: kind, connections: opts.connections, direct, viaGateway, ratio: viaGateway.reqPerSec / direct.reqPerSec };
  } finally {
    await gw.stop('graceful');
    await agencies.stop('graceful');
  }
}

export function printServiceBench(r: ServiceBenchResult): void {
  const rows = [['target (same run)', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server cores', 'postgres cores', 'ratio']];
  for (const x of [r.direct, r.viaGateway]) {
    rows.push([x.target, f0(x.reqPerSec), f1(x.p50), f1(x.p99), f0(x.non2xx + x.errors), f2(x.cpu.server), x.cpu.postgres === null ? 'n/a' : f2(x.cpu.postgres), f2(x.reqPerSec / r.direct.reqPerSec)]);
  }
  console.log(`\nSynchronous service query-enterprise (${r.database}, ${r.connections} connections; "server" is the agency for the direct row, the gateway for the other):`);
  console.log(markdownTable(rows, (i) => i > 0));
}
