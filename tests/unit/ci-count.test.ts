import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../gateway/schemas/paths';

// CI reads one line, `N passed, N failed`: it must never say `0 failed` for a run that failed.
// .ci/count.sh is driven with made-up inputs, and the real .ci/run with a fake `npm` on PATH.
const root = projectRoot();
const countSh = path.join(root, '.ci', 'count.sh');
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-ci-count-'));
});
/** .ci/run children still running (a test that timed out): stopped before their fake npm goes, or they would run the real one here. */
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  running.clear();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function count(file: string, ...args: string[]) {
  const r = spawnSync('bash', [countSh, args[0]!, file, ...args.slice(1)], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim() };
}
function countsFile(...lines: string[]) {
  const f = path.join(tmp, 'counts');
  fs.writeFileSync(f, lines.map((l) => `${l}\n`).join(''));
  return f;
}

describe('.ci/count.sh', () => {
  test('two clean runs sum up; exit 0', () => {
    const f = countsFile('10 0', '12 0');
    expect(count(f, 'run-ended', '1', '0').out).toBe('');
    expect(count(f, 'total')).toEqual({ status: 0, out: '22 passed, 0 failed' });
  });

  test('a run that exited non-zero but counted no failure counts one (typecheck failed, jest crashed)', () => {
    const f = countsFile('10 0');
    expect(count(f, 'run-ended', '0', '1').out).toContain('counted as 1 failure');
    expect(count(f, 'total')).toEqual({ status: 1, out: '10 passed, 1 failed' });
    const g = countsFile();
    count(g, 'run-ended', '0', '2'); // tsc failed before jest wrote any line
    expect(count(g, 'total')).toEqual({ status: 1, out: '0 passed, 1 failed' });
  });

  test('a failed run that counted its failures adds nothing more', () => {
    const f = countsFile('5 2');
    expect(count(f, 'run-ended', '0', '1').out).toBe('');
    expect(count(f, 'total')).toEqual({ status: 1, out: '5 passed, 2 failed' });
  });

  test('a run that exited 0 but counted no test is a failure', () => {
    const f = countsFile();
    expect(count(f, 'run-ended', '0', '0').out).toContain('counted no test');
    const g = countsFile('0 0');
    count(g, 'run-ended', '0', '0');
    expect(count(f, 'total')).toEqual({ status: 1, out: '0 passed, 1 failed' });
    expect(count(g, 'total')).toEqual({ status: 1, out: '0 passed, 1 failed' });
  });

  test("only the run's own lines count: an earlier run's failures do not hide this run's", () => {
    const f = countsFile('3 1');
    count(f, 'run-ended', '1', '1');
    expect(count(f, 'total')).toEqual({ status: 1, out: '3 passed, 2 failed' });
  });

  test('fail prints its reason and counts one failure', () => {
    const f = countsFile('7 0');
    expect(count(f, 'fail', 'PostgreSQL', 'does', 'not', 'answer').out).toBe('FAILED: PostgreSQL does not answer');
    expect(count(f, 'total')).toEqual({ status: 1, out: '7 passed, 1 failed' });
  });
});

// Each .ci/run is a few shells and probes: seconds, or a minute on a busy 2-core machine; generous, not timed.
describe('.ci/run with a fake npm', () => {
  /** Runs the real .ci/run; `npm test` appends the given counts line (per database) and exits with the given status. */
  function ciRun(opts: { pglite: [string, number]; postgres: [string, number]; pgPort: number; ci?: string }): Promise<{ status: number | null; lines: string[] }> {
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'npm'),
      `#!/usr/bin/env bash
[ "$1" = ci ] && exit 0
if [ -n "$DATABASE_URL" ]; then line=$FAKE_PG_LINE; st=$FAKE_PG_STATUS; else line=$FAKE_PGLITE_LINE; st=$FAKE_PGLITE_STATUS; fi
[ -n "$line" ] && echo "$line" >> "$XGW_COUNT_FILE"
exit "$st"
`,
      { mode: 0o755 },
    );
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      CI: opts.ci ?? 'true',
      CI_POSTGRES_URL: `postgres://postgres@127.0.0.1:${opts.pgPort}/test`,
      FAKE_PGLITE_LINE: opts.pglite[0],
      FAKE_PGLITE_STATUS: String(opts.pglite[1]),
      FAKE_PG_LINE: opts.postgres[0],
      FAKE_PG_STATUS: String(opts.postgres[1]),
    };
    // Asynchronous: a test may hold a listening socket (the fake PostgreSQL) in this process.
    return new Promise((resolve) => {
      // Its own process group, so that afterEach can stop it and everything it started.
      const child = spawn('bash', [path.join(root, '.ci', 'run')], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      running.add(child);
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (status) => resolve({ status, lines: out.trim().split('\n') }));
    });
  }
  /** A port nothing listens on (bound, then closed). */
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });

  test('PostgreSQL not answering in CI is a loud, counted failure', async () => {
    const r = await ciRun({ pglite: ['40 0', 0], postgres: ['40 0', 0], pgPort: await closedPort() });
    expect(r.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^FAILED: PostgreSQL at 127\.0\.0\.1:\d+ does not answer/)]));
    expect(r.lines.at(-1)).toBe('40 passed, 1 failed');
    expect(r.status).not.toBe(0);
  }, 180_000);

  test('outside CI a missing PostgreSQL is a skip, said so', async () => {
    const r = await ciRun({ pglite: ['40 0', 0], postgres: ['40 0', 0], pgPort: await closedPort(), ci: 'false' });
    expect(r.lines.join('\n')).toContain('PostgreSQL run skipped (not CI)');
    expect(r.lines.at(-1)).toBe('40 passed, 0 failed');
    expect(r.status).toBe(0);
  }, 180_000);

  test('both passes run; a pass that failed without counting a failure is never "0 failed"', async () => {
    const server = net.createServer((s) => s.destroy()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const pgPort = (server.address() as net.AddressInfo).port;
      const clean = await ciRun({ pglite: ['40 0', 0], postgres: ['41 0', 0], pgPort });
      expect(clean.lines.at(-1)).toBe('81 passed, 0 failed');
      expect(clean.status).toBe(0);
      fs.rmSync(path.join(tmp, 'bin'), { recursive: true });
      const broken = await ciRun({ pglite: ['40 0', 0], postgres: ['', 1], pgPort });
      expect(broken.lines.at(-1)).toBe('40 passed, 1 failed');
      expect(broken.status).not.toBe(0);
      // jest exited 1 although every counted test passed (e.g. a failing global teardown); the PostgreSQL pass ran nothing
      fs.rmSync(path.join(tmp, 'bin'), { recursive: true });
      const silent = await ciRun({ pglite: ['40 0', 1], postgres: ['', 0], pgPort });
      expect(silent.lines.at(-1)).toBe('40 passed, 2 failed');
      expect(silent.status).not.toBe(0);
    } finally {
      server.close();
    }
  }, 180_000);
});
