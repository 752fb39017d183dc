/**
 * Reading log_entries for the stored-log audit (audit-log.ts), one page at a time.
 *
 * A page normally comes back as ONE row of four aggregates over the page's entries
 * in idx order: "idx:byteLength" pairs, the entry texts concatenated, and the stored
 * leaf hashes concatenated (bytea). That avoids a row object, a string and a Buffer per
 * entry (the allocation and garbage collection cost more than the hashing did), and
 * lets every leaf be hashed in place: the texts are encoded into one Buffer, and the
 * byte before each entry is set to the 0x00 leaf prefix while it is hashed.
 *
 * The verifier still recomputes every leaf from the entry text and only compares the
 * stored leaf hash. Anything irregular in a page — a gap or disorder in idx, a stored
 * leaf hash that is not 32 bytes, lengths that do not add up — and the page is read
 * again row by row, so the audit reports it exactly as before. Databases whose
 * server encoding is not UTF-8 (octet lengths would not be UTF-8 lengths) always use rows.
 */
import { hash } from 'node:crypto';
import type { Store } from '../store/db';
import { LOG_HASH_SIZE, leafHash, type LogHashAlg } from '../merkle/hash';
import { asBuffer } from './audit-checkpoints';

/** Called for each entry in idx order: its index, the leaf hash recomputed from its text, and whether the stored leaf hash equals it. */
export type EntryVisitor = (idx: number, leaf: Buffer, storedMatches: boolean) => void;

interface EntryPage {
  /** Rows read (the page is the last one when this is below the page size). */
  count: number;
  /** idx of the last row read. */
  lastIdx: number;
  /** Hashes every entry of the page and calls `visit` for it, in idx order. */
  each(alg: LogHashAlg, visit: EntryVisitor): void;
}

interface EntryRow { idx: number | string; entry: string; leaf_hash: Uint8Array }

const PACKED_SQL = `
SELECT count(*) AS n, string_agg(idx::text || ':' || octet_length(entry)::text, ',') AS meta,
       string_agg(entry, '') AS texts, string_agg(leaf_hash, ''::bytea) AS leaves,
       coalesce(bool_and(octet_length(leaf_hash) = ${LOG_HASH_SIZE}), true) AS sized
FROM (SELECT idx, entry, leaf_hash FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2) AS page`;

const ROWS_SQL = 'SELECT idx, entry, leaf_hash FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2';

/** Whether this database can be read in packed pages (its text is UTF-8, so octet_length is the UTF-8 length). */
export async function packedPagesUsable(store: Store): Promise<boolean> {
  const r = await store.query<{ server_encoding: string }>('SHOW server_encoding');
  return /^utf-?8$/i.test(r.rows[0]?.server_encoding ?? '');
}

/** The entries with idx ≥ startIdx, at most `limit` of them, packed when possible. */
export async function fetchEntryPage(store: Store, startIdx: number, limit: number, packed: boolean): Promise<EntryPage> {
  if (packed) {
    const r = await store.query<{ n: number | string; meta: string | null; texts: string | null; leaves: Uint8Array | null; sized: boolean }>(PACKED_SQL, [startIdx, limit]);
    const row = r.rows[0];
    if (row && Number(row.n) === 0) return { count: 0, lastIdx: startIdx - 1, each: () => undefined };
    const page = row ? packedPage(Number(row.n), row.meta, row.texts, row.leaves, row.sized) : null;
    if (page) return page;
  }
  const rows = (await store.query<EntryRow>(ROWS_SQL, [startIdx, limit])).rows;
  return {
    count: rows.length,
    lastIdx: rows.length ? Number(rows[rows.length - 1]!.idx) : startIdx - 1,
    each(alg, visit) {
      for (const row of rows) {
        const leaf = leafHash(alg, row.entry);
        visit(Number(row.idx), leaf, leaf.equals(asBuffer(row.leaf_hash)));
      }
    },
  };
}

/** A packed page, or null when it is irregular (then the caller reads rows). */
function packedPage(n: number, meta: string | null, texts: string | null, leavesRaw: Uint8Array | null, sized: boolean): EntryPage | null {
  if (!sized || meta === null || texts === null || leavesRaw === null) return null;
  const leaves = asBuffer(leavesRaw);
  if (leaves.length !== n * LOG_HASH_SIZE) return null;
  const lengths = new Int32Array(n);
  let first = -1;
  let total = 0;
  // "idx:len,idx:len,…" (digits only, written by PostgreSQL): indices must be consecutive (a gap is reported from rows).
  let i = 0;
  let value = 0;
  for (let k = 0; k <= meta.length; k++) {
    const c = k < meta.length ? meta.charCodeAt(k) : 44;
    if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    else if (c === 58) {
      if (i === 0) first = value;
      else if (value !== first + i) return null;
      value = 0;
    } else if (c === 44) {
      if (i >= n) return null;
      lengths[i++] = value;
      total += value;
      value = 0;
    } else return null;
  }
  if (i !== n || !Number.isSafeInteger(first)) return null;
  // One leading byte, so that every entry has a byte before it to hold the 0x00 prefix.
  const bytes = Buffer.from(' ' + texts, 'utf8');
  if (bytes.length !== total + 1) return null;
  return {
    count: n,
    lastIdx: first + n - 1,
    each(alg, visit) {
      let pos = 1;
      for (let k = 0; k < n; k++) {
        const end = pos + lengths[k]!;
        const before = bytes[pos - 1]!;
        bytes[pos - 1] = 0x00; // H(0x00 ‖ entry) without copying the entry
        const leaf = hash(alg, bytes.subarray(pos - 1, end), 'buffer');
        bytes[pos - 1] = before;
        visit(first + k, leaf, leaf.compare(leaves, k * LOG_HASH_SIZE, (k + 1) * LOG_HASH_SIZE) === 0);
        pos = end;
      }
    },
  };
}
