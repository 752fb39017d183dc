/**
 * The bench's child processes (one per target, so the server and the load
 * generator never share an event loop): start, CPU query, stop, and cleanup on
 * exit or interrupt — no child outlives the runner.
 */
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, TargetSpec } from './target';
import type { ChildUsage } from './cpu';

const children = new Set<ChildProcess>();
export const cleanups: Array<() => Promise<void>> = [];

export function killChildren() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killChildren();
    const timer = setTimeout(() => process.exit(130), 5000);
    runCleanups().finally(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  });
}

export async function runCleanups() {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((e) => console.error('bench: cleanup failed:', (e as Error).message));
}

export interface Target {
  child: ChildProcess;
  url: string;
  token?: string;
  /** System tokens of the members the spec named in `tokensFor`. */
  tokens?: Record<string, string>;
  cpu(): Promise<number>; // µs of CPU (user+system) used by the child so far
  /** The same, with its event loop's busy time and its main thread's CPU so far (cpuWindow: how busy the server's one thread was). */
  usage(): Promise<ChildUsage>;
  stop(mode: 'kill' | 'graceful'): Promise<void>;
}

/** How long a target may take to start (PGlite's first start on a loaded machine can take minutes). */
const START_TIMEOUT_MS = Number(process.env.BENCH_START_TIMEOUT_MS ?? 60_000);

export function startTarget(spec: TargetSpec, execArgv: string[] = []): Promise<Target> {
  const child = fork(path.join(__dirname, 'target.js'), [], {
    env: { ...process.env, BENCH_TARGET: JSON.stringify(spec) },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => children.delete(child));

  return new Promise<Target>((resolve, reject) => {
    const startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench: ${spec.kind} target did not start within ${START_TIMEOUT_MS / 1000} s (BENCH_START_TIMEOUT_MS)`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null, sig: string | null) => {
      clearTimeout(startTimer);
      reject(new Error(`bench: ${spec.kind} target exited during start (code ${code}, signal ${sig})`));
    };
    child.once('exit', onExit);
    child.on('message', function onReady(m: ChildMessage) {
      if (m.type === 'error') {
        clearTimeout(startTimer);
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new Error(`bench: ${spec.kind} target failed to start:\n${m.message}`));
      } else if (m.type === 'ready') {
        const usage = () =>
          new Promise<ChildUsage>((res, rej) => {
            const t = setTimeout(() => rej(new Error('bench: child did not report CPU')), 5000);
            child.on('message', function onCpu(c: ChildMessage) {
              if (c.type !== 'cpu') return;
              clearTimeout(t);
              child.off('message', onCpu);
              res({ cpu: c.user + c.system, loopActive: c.loopActive, mainThread: c.mainThread });
            });
            child.send({ type: 'cpu' });
          });
        clearTimeout(startTimer);
        child.off('exit', onExit);
        child.off('message', onReady);
        resolve({
          child,
          url: m.url,
          token: m.token,
          tokens: m.tokens,
          cpu: () => usage().then((u) => u.cpu),
          usage,
          async stop(mode) {
            if (child.exitCode !== null || child.signalCode !== null) return;
            if (mode === 'kill') child.kill('SIGKILL');
            else {
              child.send({ type: 'stop' });
              const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
              exited.finally(() => clearTimeout(t));
            }
            await exited;
          },
        });
      }
    });
  });
}


/** Runs a bench script's main: an error is printed and sets exit code 1; children and cleanups always run. */
export function runBenchMain(main: () => Promise<void>): void {
  main()
    .catch((e) => {
      console.error(e instanceof Error ? e.stack ?? e.message : e);
      process.exitCode = 1;
    })
    .finally(async () => {
      killChildren();
      await runCleanups();
    });
}
