import cluster, { type Worker } from 'node:cluster';
import { buildConfig, type GatewayConfig } from '../config';
import { createGateway } from '../gateway';
import { print } from './context';

/**
 * `XGW_WORKERS=N`: N gateway processes on one port (node:cluster hands connections out
 * round robin), each with its own pool on the same PostgreSQL. The primary does the
 * one-time work (migrations, demo seeding, mock agencies, witness, the banner, the run
 * file) and hands each worker the resulting configuration and the local admin token.
 * Everything the workers share lives in PostgreSQL: the group commit and the log order
 * (sequence row locks), outbox claims (FOR UPDATE SKIP LOCKED), 发文字号 serials,
 * retention and checkpoint locks. A worker that dies is replaced.
 */
const CONFIG_ENV = 'XGW_WORKER_CONFIG';
const TOKEN_ENV = 'XGW_WORKER_LOCAL_ADMIN';

interface Listening {
  listening: string;
}
const isListening = (m: unknown): m is Listening => typeof (m as Listening)?.listening === 'string';

export const isWorkerProcess = (): boolean => cluster.isWorker && process.env[CONFIG_ENV] !== undefined;

/** In a worker: one gateway on the shared port; stops cleanly on SIGTERM/SIGINT (the primary forwards them). */
export async function runWorker(): Promise<void> {
  const config = buildConfig(JSON.parse(process.env[CONFIG_ENV]!) as Record<string, unknown>);
  const gw = await createGateway(config);
  gw.deps.auth.setLocalAdmin(process.env[TOKEN_ENV]!);
  const url = await gw.listen();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gw.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.send!({ listening: url } satisfies Listening);
}

export interface Workers {
  url: string;
  pids(): number[];
  /** SIGTERM to every worker; resolves when all have exited (each drains as a single gateway does). */
  stop(): Promise<void>;
}

/** In the primary: forks the workers and resolves once every one listens. */
export function forkWorkers(n: number, config: Readonly<GatewayConfig>, localAdminToken: string): Promise<Workers> {
  const env = { [CONFIG_ENV]: JSON.stringify(config), [TOKEN_ENV]: localAdminToken };
  const live = new Set<Worker>();
  let stopping = false;
  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork(env);
      live.add(w);
      const early = (code: number | null) => reject(new Error(`gateway worker ${w.process.pid} exited with ${code} before listening`));
      w.once('exit', early);
      w.on('message', (m: unknown) => {
        if (!isListening(m)) return;
        w.off('exit', early);
        w.once('exit', (code, signal) => {
          live.delete(w);
          if (stopping) return;
          print(`xgw: worker ${w.process.pid} exited (${signal ?? code}); starting another`);
          fork().catch((err: Error) => print(`xgw: ${err.message}`));
        });
        resolve(m.listening);
      });
    });
  return Promise.all(Array.from({ length: n }, fork)).then(([url]) => ({
    url: url!,
    pids: () => [...live].map((w) => w.process.pid!),
    stop: async () => {
      stopping = true;
      await Promise.all(
        [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  }));
}
