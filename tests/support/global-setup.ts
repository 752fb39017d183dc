import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../gateway/clock';
import { openPglite } from '../../gateway/store/pglite';
import { createDatabase, openPostgres } from '../../gateway/store/postgres';
import { buildTestPki, TEMPLATE_ENV, type TestTemplate } from './template';
import { seedTestRegistry } from './gateway';
import { buildDist, DIST_BUILT_ENV } from './cli';
import { buildConsole } from './browser';

/**
 * Once per `npm test`: the compiled CLI and the web console, a PKI for the demo members and a migrated, seeded database
 * that every default test gateway copies (PGlite: a data-directory tarball loaded in
 * ≈0.5 s instead of ≈3 s for a new one; PostgreSQL: CREATE DATABASE … TEMPLATE).
 */
export default async function globalSetup(): Promise<void> {
  buildDist();
  process.env[DIST_BUILT_ENV] = '1';
  buildConsole(); // web/ → web/dist for the browser tests and /console/ (skipped when up to date)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-test-template-'));
  const pkiDir = path.join(dir, 'pki');
  buildTestPki(pkiDir);
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const template: TestTemplate = { dir, pkiDir, tokens: {}, pgliteDump: null, pgliteBlankDump: null, pgTemplate: null, databaseUrl };
  if (!databaseUrl) {
    const store = await openPglite();
    template.pgliteBlankDump = path.join(dir, 'blank.tar');
    fs.writeFileSync(template.pgliteBlankDump, Buffer.from(await (await store.dump()).arrayBuffer()));
    template.tokens = await seedTestRegistry(store, new ManualClock());
    template.pgliteDump = path.join(dir, 'seeded.tar');
    fs.writeFileSync(template.pgliteDump, Buffer.from(await (await store.dump()).arrayBuffer()));
    await store.close();
  } else {
    const name = `xgw_tpl_${process.pid}_${randomBytes(4).toString('hex')}`;
    const { url } = await createDatabase(databaseUrl, name);
    const store = openPostgres(url, { max: 1 });
    template.tokens = await seedTestRegistry(store, new ManualClock());
    await store.close();
    template.pgTemplate = name;
  }
  const file = path.join(dir, 'template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  process.env[TEMPLATE_ENV] = file;
}
