import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../gateway/schemas/paths';

// The offline verifier must run anywhere, years later: no database, no network,
// no configuration. Its runtime imports (type-only imports are erased) may reach
// only the pure modules it shares with the gateway.
const root = projectRoot();
const ALLOWED = [/^gateway\/audit\/(bundle|report|verify-[a-z-]+)\.ts$/, /^gateway\/crypto\/[a-z-]+\.ts$/, /^gateway\/log\/(checkpoint|entries|hash|bits|tree|verify)\.ts$/, /^gateway\/clock\.ts$/, /^certs\/(chain|certificate|crl|asn1|parse)\.ts$/];
const ALLOWED_PACKAGES = ['node:crypto', 'node-forge'];

function runtimeImports(file: string): string[] {
  const src = fs.readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)';?$/gms)) if (!m[1]) out.push(m[2]);
  for (const m of src.matchAll(/require\('([^']+)'\)|import\('([^']+)'\)/g)) out.push(m[1] ?? m[2]);
  return out;
}

test('verify-bundle.ts reaches only pure modules (crypto, log, certs) and no I/O package', () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = ['gateway/audit/verify-bundle.ts'];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      queue.push(path.relative(root, path.resolve(root, path.dirname(file), spec)) + '.ts');
    }
  }
  expect([...seen].filter((f) => !ALLOWED.some((re) => re.test(f)))).toEqual([]);
  expect([...packages].filter((p) => !ALLOWED_PACKAGES.includes(p))).toEqual([]);
  expect(seen).toContain('certs/chain.ts');
  expect(seen).toContain('gateway/log/verify.ts');
});
