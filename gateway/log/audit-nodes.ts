/**
 * Reading log_nodes for the stored-log audit (audit-log.ts), page by page: for leaves
 * [a, b) the nodes they complete, per level one contiguous idx range, fetched in one
 * query as one concatenated bytea per level.
 */
import type { Store } from '../store/db';
import { LOG_HASH_SIZE } from '../merkle/hash';
import { asBuffer } from './audit-checkpoints';

interface NodeRow { level: number; idx: number | string; hash: Uint8Array }

/**
 * Stored nodes fetched for one page: per level, a contiguous idx range [lo, hi]. Normally the
 * whole range comes back as ONE concatenated bytea per level (no row object per node); a
 * level with a missing or odd-sized node is fetched row by row instead.
 */
export class NodeWindow {
  private readonly lo: number[] = [];
  private readonly packed: Array<Buffer | undefined> = [];
  private readonly rows: Array<Map<number, Buffer> | undefined> = [];

  setPacked(level: number, lo: number, hashes: Buffer): void {
    this.lo[level] = lo;
    this.packed[level] = hashes;
  }

  setRows(level: number, rows: NodeRow[]): void {
    this.rows[level] = new Map(rows.map((r) => [Number(r.idx), asBuffer(r.hash)]));
  }

  /** Whether node (level, index) is stored with exactly this hash (compared in place: no Buffer per node). */
  matches(level: number, index: number, hash: Buffer): boolean {
    const packed = this.packed[level];
    if (!packed) return this.rows[level]?.get(index)?.equals(hash) ?? false;
    const at = (index - this.lo[level]!) * LOG_HASH_SIZE;
    return at >= 0 && at + LOG_HASH_SIZE <= packed.length && hash.length === LOG_HASH_SIZE && hash.compare(packed, at, at + LOG_HASH_SIZE) === 0;
  }

  /** The stored hash of node (level, index), or undefined when it is not stored. */
  get(level: number, index: number): Buffer | undefined {
    const packed = this.packed[level];
    if (packed) return packed.subarray((index - this.lo[level]!) * LOG_HASH_SIZE, (index - this.lo[level]! + 1) * LOG_HASH_SIZE);
    return this.rows[level]?.get(index);
  }
}

/** Stored nodes completed by leaves [a, b): node (l, i) is completed by leaf (i+1)·2^l − 1. */
export function fetchPageNodes(store: Store, a: number, b: number): Promise<NodeWindow> {
  const levels: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let l = 0, w = 1; w <= b; l++, w *= 2) {
    const first = Math.ceil((a + 1) / w) - 1;
    const last = Math.floor(b / w) - 1;
    if (first <= last) levels.push(l), lo.push(first), hi.push(last);
  }
  return fetchNodes(store, levels, lo, hi);
}

/** The nodes with idx in [lo[i], hi[i]] at level levels[i] (each level at most once): one query, plus one per damaged level. */
export async function fetchNodes(store: Store, levels: number[], lo: number[], hi: number[]): Promise<NodeWindow> {
  const window = new NodeWindow();
  if (!levels.length) return window;
  // LATERAL: one index range scan per level (a plain join on the ranges can make the planner scan the table).
  const r = await store.query<{ level: number; n: number | string; hashes: Uint8Array | null }>(
    `SELECT t.l AS level, x.n, x.hashes FROM unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS t(l, lo, hi)
     CROSS JOIN LATERAL (SELECT count(*) AS n, string_agg(hash, ''::bytea ORDER BY idx) AS hashes
                         FROM log_nodes WHERE level = t.l AND idx BETWEEN t.lo AND t.hi) AS x`,
    [levels, lo, hi],
  );
  const got = new Map(r.rows.map((x) => [Number(x.level), x]));
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!, width = hi[i]! - lo[i]! + 1;
    const row = got.get(l);
    const hashes = row?.hashes ? asBuffer(row.hashes) : null;
    if (hashes && Number(row!.n) === width && hashes.length === width * LOG_HASH_SIZE) window.setPacked(l, lo[i]!, hashes);
    else {
      const rows = await store.query<NodeRow>('SELECT level, idx, hash FROM log_nodes WHERE level = $1 AND idx BETWEEN $2 AND $3', [l, lo[i], hi[i]]);
      window.setRows(l, rows.rows);
    }
  }
  return window;
}
