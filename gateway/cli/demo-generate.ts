import fs from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config';
import { systemClock } from '../clock';
import { chinaDate, WorkingCalendar } from '../cases/calendar';
import type { DemoCredentials } from '../registry/demo';
import { CliRefusal, readyGateway } from './local-admin';
import { progress } from './progress';
import { print } from './context';
import { DemoCases, type DemoMessage } from './demo-cases';

const positive = (max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
  return n;
};

interface GenerateOptions {
  cases: number;
  months: number;
  seed: number;
  concurrency: number;
}

/**
 * `xgw demo generate --cases N`: a realistic 办件 history (demo-cases.ts) pushed through the
 * running demo gateway's exchange API with the demo members' own tokens — signed, logged,
 * delivered and projected like any department's messages, so the supervisor's dashboard
 * comes alive. Cases go in parallel (`--concurrency`), each case's messages in order.
 */
export function registerDemo(program: Command): void {
  const demo = program.commands.find((c) => c.name() === 'demo') ?? program.command('demo').description('the demo installation (xgw start with XGW_DEMO)');
  demo
    .command('generate')
    .description('push a realistic history of cases (办件) of the past months through the running demo gateway')
    .option('--cases <n>', 'how many cases', positive(1_000_000), 2000)
    .option('--months <n>', 'accepted over the past this many months', positive(24), 4)
    .option('--seed <n>', 'the same seed gives the same history (case numbers too: use another seed to add more)', positive(2 ** 31), 1)
    .option('--concurrency <n>', 'cases pushed at once', positive(64), 8)
    .action(generate);
}

async function generate(o: GenerateOptions): Promise<void> {
  const config = loadConfig();
  const run = await readyGateway(config.dataDir);
  const file = path.join(config.dataDir, 'demo-credentials.json');
  if (!run) throw new CliRefusal(`no gateway is running on ${config.dataDir}: start the demo with \`xgw start\` first`);
  if (!fs.existsSync(file)) throw new CliRefusal(`${file} is missing: \`xgw demo generate\` needs a demo gateway (its members' tokens)`);
  const creds = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoCredentials;
  const cases = new DemoCases(new WorkingCalendar(config.cases.calendar), chinaDate(systemClock.now()), o.seed);
  const bar = progress('demo cases', { unit: 'cases' });
  let taken = 0;
  let done = 0;
  let messages = 0;

  const push = async (m: DemoMessage, k: number) => {
    const caseNo = String(m.payload.caseNo);
    const res = await fetch(`${run.url}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${creds.members[m.from]!.token}` },
      body: JSON.stringify({ to: m.to, type: m.type, messageId: `demo-${caseNo}-${k}`, caseId: caseNo, purpose: m.purpose, payload: m.payload }),
    }).catch((err: Error) => {
      throw new CliRefusal(`cannot reach the gateway at ${run.url} (${err.message})`);
    });
    if (res.status !== 202) {
      const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
      throw new CliRefusal(`the gateway refused a ${m.type} of ${caseNo}: ${p.code ?? res.status} ${p.detail ?? ''}`.trim());
    }
    messages++;
  };
  const worker = async () => {
    while (taken < o.cases) {
      const batch = cases.next(++taken, o.months * 30); // generated in case order: the same seed, the same history
      for (const [k, m] of batch.entries()) await push(m, k + 1);
      bar.update(++done, o.cases);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.cases) }, worker));
  } finally {
    bar.finish();
  }
  print(`${done} case(s), ${messages} message(s) pushed through ${run.url} (open ${run.url}/console/supervision as the supervisor)`);
}
