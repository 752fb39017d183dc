import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster of the test's own (Debian's initdb/pg_ctl on a
 * temporary directory and a free port): tests may stop, restart or kill it, which
 * they must never do to the shared server. As root the binaries run as `postgres`.
 */
export interface PgCluster {
  readonly port: number;
  /** A URL for a database of this cluster (`postgres` by default). */
  url(database?: string): string;
  /** pg_ctl stop: `fast` terminates every backend (57P01) and stops; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

/** The newest PostgreSQL's bin directory of Debian's layout; a clear error when there is none. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) {
    throw new Error(
      'PostgreSQL-only test: no initdb under /usr/lib/postgresql/*/bin, so it cannot start a throwaway cluster. ' +
        'Install the Debian package `postgresql` (.ci/run does) or set DATABASE_URL.',
    );
  }
  return path.join(base, versions[0]!, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-pgcluster-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    fs.chownSync(dir, uid, gid);
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);

  let port = 0;
  const start = async () => {
    // A port free a moment ago can be taken by another test before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      port ||= await freePort();
      try {
        await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
        return;
      } catch (err) {
        const log = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
        if (attempt >= 3 || !/could not bind|Address already in use/.test(log)) throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${log.slice(-2000)}`);
        port = 0;
      }
    }
  };
  await start();
  let running = true;
  return {
    get port() {
      return port;
    },
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop(mode = 'fast') {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '120', 'stop']);
      running = false;
    },
    async start() {
      // The restarted server must come back on the same port (the gateway's DATABASE_URL names it).
      await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
      running = true;
    },
    async destroy() {
      if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL server for tests that only mean something there: the one named by
 * DATABASE_URL (the CI PostgreSQL pass), otherwise a throwaway cluster started here,
 * so the test runs on the PGlite pass too. `label` says which, for the test's output.
 */
export async function postgresServer(): Promise<{ base: string; label: string; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { base: process.env.DATABASE_URL, label: 'DATABASE_URL', close: async () => undefined };
  const cluster = await startPgCluster();
  return { base: cluster.url(), label: `throwaway cluster on port ${cluster.port}`, close: () => cluster.destroy() };
}
