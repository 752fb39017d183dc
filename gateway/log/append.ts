import { prepared, type Db } from '../store/db';
import type { PreparedEntry } from './entries';

/**
 * THE log append, as common table expressions to include in a statement, so that an
 * entry commits in the same statement as what it records (a message, a service call).
 *
 * `entries` is a SELECT giving one row per entry, with the columns
 *   k           1, 2, … n: the entry's place in this append (dense, from 1)
 *   kind        the entry kind (log/entries.ts)
 *   message_id  uuid or NULL, case_id text or NULL
 *   entry       the entry's canonical text, leaf_hash its leaf hash as hex text
 *   created_at  timestamptz
 * It may read the statement's earlier CTEs (e.g. only the rows an insert returned).
 *
 * The expressions take the 'log' sequence row lock, which gives the entries the next
 * dense indices; the lock is held to commit, so index order is commit order across
 * processes. A statement that also takes another sequence lock must take it first (its
 * `entries` then depends on it), the same lock order everywhere, so no deadlock.
 * Defines `log_input`, `log_seq` and `log_appended` (idx, message_id), which the
 * statement may select from; the text is constant for a given `entries`.
 */
export function logAppendCtes(entries: string): string {
  return `log_input AS (
  ${entries}
), log_seq AS (
  UPDATE sequences SET value = value + (SELECT count(*) FROM log_input) WHERE name = 'log' RETURNING value - (SELECT count(*) FROM log_input) AS first
), log_appended AS (
  INSERT INTO log_entries (idx, kind, message_id, case_id, entry, leaf_hash, created_at)
  SELECT s.first + e.k - 1, e.kind, e.message_id, e.case_id, e.entry, decode(e.leaf_hash, 'hex'), e.created_at
  FROM log_input e CROSS JOIN log_seq s
  RETURNING idx, message_id
)`;
}

const APPEND_SQL = prepared(`
WITH ${logAppendCtes(`SELECT k, kind, message_id, case_id, entry, leaf_hash, created_at
    FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
         WITH ORDINALITY AS t(kind, message_id, case_id, entry, leaf_hash, created_at, k)`)}
SELECT min(idx) AS first FROM log_appended`);

/**
 * Appends prepared entries on their own (in the caller's transaction, one statement).
 * Returns their indices, in input order.
 */
export async function appendEntries(db: Db, entries: PreparedEntry[]): Promise<number[]> {
  if (!entries.length) return [];
  const r = await db.query<{ first: string | number }>(APPEND_SQL, [
    entries.map((e) => e.kind),
    entries.map((e) => e.messageId),
    entries.map((e) => e.caseId),
    entries.map((e) => e.text),
    entries.map((e) => e.leafHash.toString('hex')),
    entries.map((e) => e.at),
  ]);
  const first = Number(r.rows[0]!.first);
  return entries.map((_, i) => first + i);
}
