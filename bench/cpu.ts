/**
 * Who used the machine's CPU during a measured window (from /proc): the whole
 * machine, the load generator (this process), the server child, PostgreSQL, and
 * everything else — so a run disturbed by neighbours shows it.
 */
import fs from 'node:fs';
import os from 'node:os';


const TICK = 100; // USER_HZ on Linux

function readProcStatTotals(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3]! + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** utime + stime (ticks) of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line, and the fields after the command. */
function statTicks(stat: string): { ticks: number; fields: string[] } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(f[11]) + Number(f[12]), fields: f }; // utime, stime (fields 14, 15)
}

/** CPU ticks (utime + stime) used so far by the processes `match` picks (pid, command, parent pid). */
export function procTicks(match: (pid: number, comm: string, ppid: number) => boolean): number | null {
  try {
    let sum = 0;
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const { ticks, fields } = statTicks(stat);
      if (!match(Number(pid), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), Number(fields[1]))) continue;
      sum += ticks;
    }
    return sum;
  } catch {
    return null;
  }
}

/** CPU ticks used so far by all processes whose command is `postgres`. */
export const postgresTicks = (): number | null => procTicks((_pid, comm) => comm === 'postgres');

/**
 * CPU ticks used so far by the PostgreSQL backends connected to `database` (their title names
 * it: "postgres: 15/main: user db host(port) state"). Unlike postgresTicks, other people's
 * databases on the same server do not count; the shared WAL writer and checkpointer do not either.
 */
export function postgresBackendTicks(database: string): number | null {
  const word = ` ${database} `;
  return procTicks((pid, comm) => {
    if (comm !== 'postgres') return false;
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(word);
    } catch {
      return false;
    }
  });
}

/** CPU µs used so far by process `root` and its direct children (e.g. a cluster primary and its workers). */
export const processTreeMicros = (root: number): number => (procTicks((pid, _c, ppid) => pid === root || ppid === root) ?? 0) * (1e6 / TICK);

/** CPU µs (utime + stime) used so far by this process's main thread (the event loop's; Linux, else NaN). */
export function mainThreadMicros(): number {
  try {
    return statTicks(fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')).ticks * (1e6 / TICK);
  } catch {
    return NaN;
  }
}

/**
 * What a bench child has used so far: CPU (µs, user + system, all its threads), its event loop's
 * busy time (ms) and its main thread's CPU (µs).
 */
export interface ChildUsage {
  cpu: number;
  loopActive: number;
  mainThread: number;
}

export interface CpuWindow {
  /** Cores in use on average over the window (1.0 = one core busy). */
  machine: number | null;
  machineCores: number;
  loadGenerator: number;
  server: number;
  /**
   * Share of the window the server's event loop was busy (0–1; wall time, not CPU: a loop that
   * is runnable but waits for a core counts as busy). Near 1, that one thread is the limit,
   * whatever the other cores do. Null when the server is not a bench child (e.g. `xgw start`).
   */
  serverLoop: number | null;
  /** Cores the server's main thread used (of `server`, which counts all its threads); null as serverLoop. */
  serverMainThread: number | null;
  postgres: number | null;
  /** Of `postgres`: the backends connected to the target's own database (not other users' of the server). */
  postgresBackends?: number | null;
  /** machine − (load generator + server + postgres): other processes (e.g. a test run) competing for the CPUs. */
  other: number | null;
}

/** Cores busy on the whole machine over `ms`. */
async function machineBusy(ms: number): Promise<number | null> {
  const a = readProcStatTotals();
  await new Promise((r) => setTimeout(r, ms));
  const b = readProcStatTotals();
  return a && b ? ((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length : null;
}

/**
 * The machine is shared (other people's builds and test runs): wait up to `maxSeconds` for it
 * to be quiet (< 0.3 cores busy over a second) so the target does not compete with them.
 */
export async function waitForQuiet(label: string, maxSeconds = Number(process.env.BENCH_QUIET_WAIT ?? 20)): Promise<number | null> {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = await machineBusy(1000);
  let said = false;
  while (busy !== null && busy >= 0.3 && Date.now() < deadline) {
    if (!said) process.stdout.write(`(machine busy: ${busy.toFixed(2)} cores in use by other processes; waiting up to ${maxSeconds} s before ${label}) `);
    said = true;
    busy = await machineBusy(1000);
  }
  if (said && busy !== null && busy >= 0.3) process.stdout.write(`(still ${busy.toFixed(2)} cores busy; running anyway) `);
  return busy;
}

export async function cpuWindow<T>(
  target: { cpu(): Promise<number>; usage?(): Promise<ChildUsage> },
  dbKind: 'postgres' | 'pglite',
  fn: () => Promise<T>,
  database?: string,
): Promise<{ out: T; cpu: CpuWindow }> {
  const backends = () => (database && dbKind === 'postgres' ? postgresBackendTicks(database) : null);
  const usage = (): Promise<ChildUsage> => (target.usage ? target.usage() : target.cpu().then((cpu) => ({ cpu, loopActive: NaN, mainThread: NaN })));
  const b0 = backends(), m0 = readProcStatTotals(), p0 = postgresTicks(), u0 = await usage(), l0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const out = await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const l1 = process.cpuUsage(l0), u1 = await usage(), p1 = postgresTicks(), m1 = readProcStatTotals(), b1 = backends();
  const cores = os.cpus().length;
  const machine = m0 && m1 ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores : null;
  const loadGenerator = (l1.user + l1.system) / 1e6 / wall;
  const server = (u1.cpu - u0.cpu) / 1e6 / wall;
  const loop = (u1.loopActive - u0.loopActive) / 1e3 / wall;
  const mainThread = (u1.mainThread - u0.mainThread) / 1e6 / wall;
  const postgres = dbKind === 'postgres' && p0 !== null && p1 !== null ? (p1 - p0) / TICK / wall : null;
  return {
    out,
    cpu: {
      machine,
      machineCores: cores,
      loadGenerator,
      server,
      serverLoop: Number.isFinite(loop) ? Math.min(1, loop) : null,
      serverMainThread: Number.isFinite(mainThread) ? mainThread : null,
      postgres,
      ...(database ? { postgresBackends: b0 !== null && b1 !== null ? (b1 - b0) / TICK / wall : null } : {}),
      other: machine === null ? null : Math.max(0, machine - loadGenerator - server - (postgres ?? 0)),
    },
  };
}

