/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by package/module and the
 * functions with the most self and inclusive time. Used by `BENCH_PROFILE=1 npm run bench`;
 * also runnable on its own: `node dist/bench/profile.js <file.cpuprofile> [top]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which bucket a frame's self time goes to: an npm package, a project file, node internals, or V8. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const d = url.indexOf('/dist/');
  if (d >= 0) return url.slice(d + '/dist/'.length).replace(/\.js$/, '');
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(file: string, opts: { top?: number } = {}): string {
  const top = opts.top ?? 20;
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const f = n.callFrame;
    return `${f.functionName || '(anonymous)'} ${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
  };

  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const mods = new Map<string, number>();
  let total = 0, idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const n = byId.get(p.samples[i]!)!;
    total += dt;
    if (n.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const k = key(n);
    self.set(k, (self.get(k) ?? 0) + dt);
    const m = moduleOf(n.callFrame.url, n.callFrame.functionName);
    mods.set(m, (mods.get(m) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const kk = key(byId.get(id)!);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const pct = (v: number) => `${((v / busy) * 100).toFixed(1).padStart(5)}%`;
  const ms = (v: number) => `${(v / 1000).toFixed(0).padStart(7)} ms`;
  const list = (m: Map<string, number>, n: number, skip?: (k: string) => boolean) =>
    [...m.entries()]
      .filter(([k]) => !skip?.(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${ms(v)} ${pct(v)}  ${k}`)
      .join('\n');
  return [
    `profile: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s (percentages are of busy time)`,
    `self time by module:`,
    list(mods, top),
    `self time by function:`,
    list(self, top),
    `inclusive time by function (root/program frames omitted):`,
    list(incl, top, (k) => k.startsWith('(root)') || k.startsWith('(program)')),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summariseProfile(file, { top: top ? Number(top) : 30 }));
}

/** The newest .cpuprofile in `dir`, moved next to the other bench profiles (os.tmpdir()). */
export function keepProfile(dir: string, name: string): string | undefined {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return undefined;
  const dest = path.join(os.tmpdir(), name);
  fs.copyFileSync(path.join(dir, files.sort().at(-1)!), dest);
  fs.rmSync(dir, { recursive: true, force: true });
  return dest;
}
