/**
 * The one database seam: a tiny interface both PostgreSQL (pg) and the embedded
 * PGlite implement with the same SQL. Transactions run a callback with a
 * connection-bound `Db`; everything else uses the store directly.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Db {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Execute a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Store extends Db {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on throw). */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * LISTEN on a channel (NOTIFY is sent at commit); resolves once listening, to a
   * function that stops. Absent where the store cannot (callers then poll).
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * The rows of a SELECT (no parameters: COPY takes none) in PostgreSQL's binary COPY
   * format, as one Buffer (read with store/binary-copy.ts). For bulk reads where a string
   * per row or per field costs more than the work on it: text comes as its UTF-8 bytes,
   * bytea as the bytes (no hex), so nothing is decoded.
   */
  copyBinary(select: string): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Statements a busy gateway runs many times with constant text (the push batch, the outbox's claim
 * and lifecycle steps): on PostgreSQL each is parsed, analysed and planned once per connection (a
 * named prepared statement) instead of at every execution; PGlite runs them as they are. Register
 * the text once, at module load, or, for a statement built from a few fixed parts, on first use:
 * never a text that varies with data (each text is kept for the life of the process).
 */
const preparedNames = new Map<string, string>();

export function prepared(sql: string): string {
  if (!preparedNames.has(sql)) preparedNames.set(sql, `xgw_${preparedNames.size + 1}`);
  return sql;
}

/** The prepared statement's name for `sql`, if it was registered with prepared(). */
export const preparedName = (sql: string): string | undefined => preparedNames.get(sql);
