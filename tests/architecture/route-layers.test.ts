/**
 * The route-contract half of the layering rules (.dependency-cruiser.cjs): domain modules
 * (push, messages, service calls …) import nothing of the HTTP layer or the wiring
 * (`domain-below-http`), and routes import no wiring but the GatewayDeps type
 * (`http-below-wiring`). Runs the real dependency-cruiser over the real tree.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../gateway/schemas/paths';

jest.setTimeout(120_000);

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

test('no domain module imports the HTTP layer or the wiring; no route imports the wiring', () => {
  const root = projectRoot();
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), 'gateway', 'adapters', 'certs', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (e) {
    out = (e as { stdout: string }).stdout; // exit code ≠ 0 while other rules still report violations
  }
  const { summary } = JSON.parse(out) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(summary.totalCruised).toBeGreaterThan(100); // it did read the tree
  const violations = summary.violations;
  const mine = violations.filter((v) => v.rule.name === 'domain-below-http' || v.rule.name === 'http-below-wiring').map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  expect(mine).toEqual([]);
});
