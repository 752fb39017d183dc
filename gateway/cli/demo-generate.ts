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
import { pushDemoHistory, type DemoHistoryOptions } from './demo-history';

const positive = (max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
  return n;
};

type GenerateOptions = DemoHistoryOptions;

/**
 * `xgw demo generate --cases N`: a realistic 办件 history pushed through the running demo
 * gateway's exchange API (demo-history.ts), so the supervisor's dashboard comes alive.
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
  const bar = progress('demo cases', { unit: 'cases' });
  let pushed: { cases: number; messages: number };
  try {
    const target = { url: run.url, creds, calendar: new WorkingCalendar(config.cases.calendar), today: chinaDate(systemClock.now()) };
    pushed = await pushDemoHistory(target, o, (done) => bar.update(done, o.cases));
  } finally {
    bar.finish();
  }
  print(`${pushed.cases} case(s), ${pushed.messages} message(s) pushed through ${run.url} (open ${run.url}/console/supervision as the supervisor)`);
}
