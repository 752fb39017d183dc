import fs from 'node:fs';
import path from 'node:path';
import type { GatewayConfig } from '../config';

/**
 * How the CLI on this machine reaches a running gateway: `xgw start` writes
 * `<dataDir>/gateway.json` (mode 0600: its pid, URL and a local admin credential valid
 * for that process's lifetime) and removes it on stop. Registry commands then go
 * through the gateway's admin API, so a CLI never writes behind a running gateway's
 * back (PGlite: one process owns the data directory).
 */
interface RunFile {
  pid: number;
  /** Null while the gateway is starting (it holds the data directory already). */
  url: string | null;
  token: string | null;
}

export const runFileOf = (dataDir: string) => path.join(dataDir, 'gateway.json');

const write = (file: string, run: RunFile) => {
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, JSON.stringify(run) + '\n', { mode: 0o600, flag: 'wx' });
};

/**
 * Before a gateway opens its database: marks the data directory as this process's.
 * On PGlite (one process per data directory) a second gateway is refused.
 */
export function claimDataDir(config: Pick<GatewayConfig, 'dataDir' | 'databaseUrl'>): void {
  const run = runningGateway(config.dataDir);
  if (run && !config.databaseUrl) throw new CliRefusal(`another gateway (pid ${run.pid}) is running on ${config.dataDir}; one process owns a PGlite data directory`);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  write(runFileOf(config.dataDir), { pid: process.pid, url: null, token: null });
}

/** Tells the CLI where this gateway is and its local admin credential (accepted by its worker processes too: XGW_WORKERS); returns the clean-up. */
export function publishRunFile(dataDir: string, url: string, token: string): () => void {
  const file = runFileOf(dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  write(file, { pid: process.pid, url, token });
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile).pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The gateway running (or starting) on this data directory, if any (a file left by a killed one is ignored). */
export function runningGateway(dataDir: string): RunFile | null {
  try {
    const run = JSON.parse(fs.readFileSync(runFileOf(dataDir), 'utf8')) as RunFile;
    return typeof run.pid === 'number' && run.pid !== process.pid && alive(run.pid) ? run : null;
  } catch {
    return null;
  }
}

/** For commands that open the store themselves: refuse while a gateway owns a PGlite data directory. */
export function refuseIfGatewayOwnsData(config: Pick<GatewayConfig, 'dataDir' | 'databaseUrl'>, instead: string): void {
  const run = config.databaseUrl ? null : runningGateway(config.dataDir);
  if (run) {
    throw new CliRefusal(`the gateway is running on this data directory (pid ${run.pid}, ${run.url}); ${instead}, or stop it first`);
  }
}

/** A refusal the CLI prints as one line (exit 1). */
export class CliRefusal extends Error {}

/** The running gateway's URL and credential, waiting while it starts (up to `timeoutMs`). */
export async function readyGateway(dataDir: string, timeoutMs = 120_000): Promise<{ url: string; token: string } | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = runningGateway(dataDir);
    if (!run) return null;
    if (run.url && run.token) return { url: run.url, token: run.token };
    if (Date.now() > until) throw new CliRefusal(`the gateway (pid ${run.pid}) on ${dataDir} has not finished starting`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
