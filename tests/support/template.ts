import fs from 'node:fs';
import path from 'node:path';
import { defaults } from '../../gateway/config';
import { ManualClock } from '../../gateway/clock';
import { initPki } from '../../certs/pki';
import { demoMembers } from '../../gateway/registry/demo';
import { layout } from '../../certs/files';
import type { Member } from '../../gateway/registry/members';

/**
 * What the test run prepares once (tests/support/global-setup.ts) so that each test
 * gateway starts from a copy instead of building it again: a PKI for the demo
 * members and a database already migrated and seeded with the test registry.
 * Described by a JSON file named in XGW_TEST_TEMPLATE; absent = build everything.
 */
export interface TestTemplate {
  /** The run's own temporary folder (removed by global-teardown). */
  dir: string;
  pkiDir: string;
  /** Bearer tokens of the seeded registry (system "default" per demo member). */
  tokens: Record<string, string>;
  /** PGlite: the seeded data directory as a tarball (PGlite dumpDataDir). */
  pgliteDump: string | null;
  /**
   * PGlite: a new, empty data directory (initdb only, no migrations) as a tarball: what every
   * other PGlite a test opens starts from (in memory, or unpacked into a directory for the real
   * CLI), ≈0.5 s instead of ≈3 s (in memory) or ≈6 s (in a directory) for initdb.
   */
  pgliteBlankDump: string | null;
  /** PostgreSQL: the seeded template database (CREATE DATABASE … TEMPLATE). */
  pgTemplate: string | null;
  /** The DATABASE_URL the template was made for ('' = PGlite). */
  databaseUrl: string;
}

export const TEMPLATE_ENV = 'XGW_TEST_TEMPLATE';

export function testTemplate(): TestTemplate | null {
  const file = process.env[TEMPLATE_ENV];
  if (!file || !fs.existsSync(file)) return null;
  const t = JSON.parse(fs.readFileSync(file, 'utf8')) as TestTemplate;
  return t.databaseUrl === (process.env.DATABASE_URL ?? '') ? t : null;
}

/** The PKI every default test gateway starts from: issued at the ManualClock's start for the demo members. */
export function buildTestPki(dir: string): void {
  initPki({
    dir,
    departments: demoMembers.map((m) => ({ code: m.code, name: m.name, alg: m.keyAlg })),
    logAlg: defaults.trust.logKeyAlg,
    now: new ManualClock().now(),
  });
}

/**
 * Copies the cached PKI into a test gateway's fresh pkiDir: the root, the log key and
 * the keys of the members whose code, name and algorithm match the cached ones (other
 * members get keys of their own from initPki as usual).
 */
export function seedPkiDir(template: TestTemplate, pkiDir: string, members: readonly Member[], logKeyAlg?: string): void {
  if (logKeyAlg && logKeyAlg !== defaults.trust.logKeyAlg) return;
  const copy = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
    fs.copyFileSync(from, to);
  };
  for (const sub of ['ca', 'log', 'station'] as const) {
    const pick = { ca: layout.root, log: layout.log, station: layout.packageSigning }[sub];
    const src = pick(template.pkiDir);
    const dst = pick(pkiDir);
    for (const k of ['key', 'cert'] as const) if (fs.existsSync(src[k])) copy(src[k], dst[k]);
  }
  for (const m of members) {
    const cached = demoMembers.find((d) => d.code === m.code);
    if (!cached || cached.name !== m.name || cached.keyAlg !== m.keyAlg) continue;
    const src = layout.department(template.pkiDir, m.code);
    const dst = layout.department(pkiDir, m.code);
    for (const k of ['key', 'cert', 'chain'] as const) if (fs.existsSync(src[k])) copy(src[k], dst[k]);
  }
}
