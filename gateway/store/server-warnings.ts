import type { Store } from './db';

export const AUTOVACUUM_OFF =
  "PostgreSQL autovacuum is off: the outbox's and the log's tables keep their dead rows and the planner's statistics are never refreshed (set autovacuum = on, PostgreSQL's default)";

/** /readyz warnings about the database server: PostgreSQL with autovacuum off (PGlite has none to give). */
export async function serverWarnings(store: Store): Promise<string[]> {
  if (store.kind !== 'postgres') return [];
  const r = await store.query<{ autovacuum: string }>(`SELECT current_setting('autovacuum') AS autovacuum`);
  return r.rows[0]?.autovacuum === 'off' ? [AUTOVACUUM_OFF] : [];
}
