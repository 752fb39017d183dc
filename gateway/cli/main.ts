import { Command } from 'commander';
import { ConfigError } from '../config';
import { GatewayError } from '../errors';
import { CliRefusal } from './local-admin';
import { packageVersion } from '../schemas/paths';

type Register = (program: Command) => void;

const registerStart: Register = (program) =>
  void program.command('start').description('run the gateway (PGlite under XGW_DATA_DIR, or DATABASE_URL)').action(async () => (await import('./start')).start());

/**
 * Each module of commands and the top-level commands it registers, in `xgw --help` order.
 * A command line loads only the module(s) of its command (each `xgw` process used to load
 * and compile every command's dependencies, ≈0.2 s of CPU before doing anything); `xgw`,
 * `xgw --help` or an unknown command load them all. tests/unit/cli-help checks the names
 * against what each module registers.
 */
export const commandModules: readonly { commands: readonly string[]; load: () => Promise<Register> }[] = [
  { commands: ['start'], load: async () => registerStart },
  { commands: ['migrate', 'token', 'user'], load: async () => (await import('./database')).registerDatabaseCommands },
  { commands: ['init'], load: async () => (await import('./init')).registerInit },
  { commands: ['members', 'agreements', 'systems', 'webhooks', 'users', 'registry'], load: async () => (await import('./registry')).registerRegistryCommands },
  { commands: ['certs'], load: async () => (await import('./certs')).registerCerts },
  { commands: ['export', 'verify'], load: async () => (await import('./audit')).registerAuditCommands },
  { commands: ['verify'], load: async () => (await import('./verify-log')).registerVerifyLog },
  { commands: ['dead-letters'], load: async () => (await import('./dead-letters')).registerDeadLetters },
  { commands: ['delivery'], load: async () => (await import('./delivery')).registerDelivery },
  { commands: ['import-document'], load: async () => (await import('./import-document')).registerImportDocument },
  { commands: ['witness'], load: async () => (await import('./witness')).registerWitness },
  { commands: ['documents'], load: async () => (await import('./documents')).registerDocuments },
  { commands: ['cases'], load: async () => (await import('./cases')).registerCases },
  { commands: ['retention'], load: async () => (await import('./retention')).registerRetention },
  { commands: ['demo'], load: async () => (await import('./demo-generate')).registerDemo },
];

/** The CLI with the commands `argv` (node, script, command, …) names (none for --version); all of them when it names none this table knows. */
export async function buildCli(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('xgw')
    .description('xgw — inter-agency exchange gateway (政务数据交换网关)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError();
  const named = argv[2];
  const own = commandModules.filter((m) => m.commands.includes(named ?? ''));
  const version = named === '-V' || named === '--version';
  for (const m of version ? [] : own.length ? own : commandModules) (await m.load())(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildCli(argv)).parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`xgw: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof CliRefusal) {
      process.stderr.write(`xgw: ${err.message}\n`);
      process.exit(1);
    }
    if (err instanceof GatewayError) {
      process.stderr.write(`xgw: ${err.code}: ${err.detail ?? err.title}\n`);
      process.exit(1);
    }
    throw err;
  }
}
