import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../gateway/schemas/paths';

/**
 * The layers as code: dependency-cruiser runs the rules of .dependency-cruiser.cjs
 * (pure ← data ← domain ← http ← wiring; adapters never import gateway/; the offline
 * verifier reaches only pure modules and node:crypto / node-forge; no cycles, type-only
 * imports included) over every source folder, and no import may break them.
 */
const FOLDERS = ['gateway', 'adapters', 'certs', 'bin'];

interface Step {
  name: string;
}
interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  /** no-circular: the modules of the cycle; reachable rules: the path to the module. */
  cycle?: Step[];
  via?: Step[];
}
interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[] }[] }[];
  summary: { violations: Violation[]; totalCruised: number; ruleSetUsed: { forbidden: { name: string }[] } };
}

/** One violation as a reader wants it: the rule, the import, and the cycle or path when there is one. */
function describe(v: Violation): string {
  const steps = v.cycle ?? v.via;
  return `${v.rule.name}: ${v.from} → ${v.to}${steps?.length ? `  (${[v.from, ...steps.map((s) => s.name)].join(' → ')})` : ''}`;
}

let result: CruiseResult;

beforeAll(async () => {
  const root = projectRoot();
  const cli = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...FOLDERS, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: Error & { stdout?: string; stderr?: string }) => {
    // depcruise exits non-zero when there are violations; its JSON is on stdout all the same.
    if (err.stdout?.startsWith('{')) return { stdout: err.stdout };
    throw new Error(`dependency-cruiser failed: ${err.stderr ?? err.message}`);
  });
  result = JSON.parse(stdout) as CruiseResult;
}, 120_000);

test('no import breaks the layering (the list names each rule, import, and cycle or path)', () => {
  expect(result.summary.violations.map(describe)).toEqual([]);
});

test('the cruise saw the whole tree, type-only imports and packages included, with every rule', () => {
  // Guards against a vacuous pass (an exclude or a path that hides the sources).
  const modules = new Set(result.modules.map((m) => m.source));
  for (const f of ['gateway/gateway.ts', 'gateway/audit/verify-bundle.ts', 'adapters/index.ts', 'certs/ca.ts', 'bin/xgw.js']) expect(modules).toContain(f);
  expect(result.summary.totalCruised).toBeGreaterThan(150);
  const types = new Set(result.modules.flatMap((m) => m.dependencies.flatMap((d) => d.dependencyTypes)));
  expect([...types]).toEqual(expect.arrayContaining(['type-only', 'npm', 'core']));
  expect(result.summary.ruleSetUsed.forbidden.map((r) => r.name)).toEqual(
    expect.arrayContaining(['no-circular', 'adapters-stand-alone', 'pure-imports-pure', 'pure-has-no-io', 'crypto-below-log', 'data-below-domain', 'domain-below-http', 'http-below-wiring', 'verifier-offline', 'verifier-packages']),
  );
});
