import fs from 'node:fs';
import { Client } from 'pg';
import { testTemplate } from './template';

/** Removes what global-setup made: the template folder and the PostgreSQL template database. */
export default async function globalTeardown(): Promise<void> {
  const t = testTemplate();
  if (!t) return;
  if (t.pgTemplate) {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${t.pgTemplate} WITH (FORCE)`);
    await c.end();
  }
  fs.rmSync(t.dir, { recursive: true, force: true });
}
