import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, prepareCliPglite } from './db';
import { projectRoot } from '../../gateway/schemas/paths';

export const root = projectRoot();
export const xgwBin = path.join(root, 'bin', 'xgw.js');

/**
 * Compiles dist/ so the CLI under test is the current source (≈3 s). The test run's global
 * setup builds it once before any test file starts (DIST_BUILT_ENV): two files compiling at
 * once would rewrite modules under a CLI another file is starting.
 */
export const DIST_BUILT_ENV = 'XGW_TEST_DIST_BUILT';
export function buildDist(): void {
  if (process.env[DIST_BUILT_ENV] === '1') return;
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'pipe' });
}

/** Runs `xgw <args>` to completion. */
export function runXgw(args: string[], env: NodeJS.ProcessEnv): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [xgwBin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

/** runXgw without blocking this process: for commands that reach a server living in the test process (e.g. a webhook receiver). */
export function runXgwAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [xgwBin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Starts `xgw start` and resolves once it prints its URL. */
export function startXgw(env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [xgwBin, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xgw start did not print its URL in time:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        child.off('exit', early);
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const early = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`xgw start exited with ${code}:\n${out}`));
    };
    child.once('exit', early);
  });
}

export function stopXgw(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/**
 * Where the real CLI runs in a test: PGlite under a fresh data directory, or a
 * fresh PostgreSQL database (demo on) when DATABASE_URL is set, or on the server
 * `postgres` names (a throwaway cluster; '' = PGlite whatever DATABASE_URL says).
 * Call in beforeAll, `cleanup` in afterAll.
 */
export async function cliEnvironment(
  label: string,
  opts: { postgres?: string } = {},
): Promise<{ dataDir: string; env: NodeJS.ProcessEnv; databaseUrl: string | null; cleanup(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `xgw-e2e-${label}-`));
  // 电子监察 off unless a test turns it on (XGW_SUPERVISION=1): its notices and log entries would change what other tests count;
  // likewise the demo's case history on first start (XGW_DEMO_HISTORY=N turns it on): thousands of messages nobody asked for.
  let env: NodeJS.ProcessEnv = { XGW_DATA_DIR: dataDir, PORT: '0', XGW_LOG_LEVEL: 'warn', XGW_CONFIG: '', DATABASE_URL: '', XGW_SUPERVISION: '0', XGW_DEMO_HISTORY: '0' };
  const base = opts.postgres ?? process.env.DATABASE_URL;
  const db = base ? await createTestDatabase({ base }) : null;
  if (!base) prepareCliPglite(dataDir);
  if (db) {
    await db.store.close();
    env = { ...env, DATABASE_URL: db.url!, XGW_DEMO: '1' };
  }
  return {
    dataDir,
    env,
    databaseUrl: db?.url ?? null,
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await db?.drop();
    },
  };
}

/** Gateways started in a test; `stopAll` (in afterEach) stops any a failed assertion left running. */
export class RunningGateways {
  private readonly children = new Set<ChildProcess>();
  track<T extends { child: ChildProcess }>(started: T): T {
    this.children.add(started.child);
    started.child.once('exit', () => this.children.delete(started.child));
    return started;
  }
  async stopAll(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null) await stopXgw(child);
    this.children.clear();
  }
}

/**
 * The set-up of a test file that runs the real CLI: dist built and a fresh cliEnvironment
 * before its tests, the gateways they start stopped after each, the environment removed
 * after all. `env` and `dataDir` are there once the file's beforeAll has run.
 */
export function useCliEnvironment(label: string): { gateways: RunningGateways; readonly env: NodeJS.ProcessEnv; readonly dataDir: string } {
  const gateways = new RunningGateways();
  let cli: Awaited<ReturnType<typeof cliEnvironment>> | null = null;
  beforeAll(async () => {
    buildDist();
    cli = await cliEnvironment(label);
  }, 180_000);
  afterEach(() => gateways.stopAll());
  afterAll(() => cli?.cleanup());
  const ready = () => {
    if (!cli) throw new Error(`useCliEnvironment('${label}'): read env and dataDir inside tests, after beforeAll`);
    return cli;
  };
  return {
    gateways,
    get env() {
      return ready().env;
    },
    get dataDir() {
      return ready().dataDir;
    },
  };
}
