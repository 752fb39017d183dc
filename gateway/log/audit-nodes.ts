/**
 * Reading log_nodes for the stored-log audit (audit-log.ts), page by page: for leaves
 * [a, b) the nodes they complete, per level one contiguous idx range, fetched in one
 * COPY as one concatenated bytea per level.
 */
import type { Store } from '../store/db';
import { LOG_HASH_SIZE } from '../merkle/hash';
import { BinaryCopyRows, sqlInt } from '../store/binary-copy';
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
  /** Per level, the idx range [from, to) already found equal to the recomputed nodes as a whole (confirm). */
  private readonly confirmedFrom: number[] = [];
  private readonly confirmedTo: number[] = [];

  setPacked(level: number, lo: number, hashes: Buffer): void {
    this.lo[level] = lo;
    this.packed[level] = hashes;
  }

  setRows(level: number, rows: NodeRow[]): void {
    this.rows[level] = new Map(rows.map((r) => [Number(r.idx), asBuffer(r.hash)]));
  }

  /**
   * Compares a run of recomputed nodes of one level (`hashes`, nodes first, first + 1, …)
   * with the stored ones in one comparison; where they are equal, `matches` then answers
   * for those nodes without comparing each. The caller must pass those very hashes to `matches`.
   */
  confirm(level: number, first: number, hashes: Buffer): void {
    const packed = this.packed[level];
    if (!packed) return;
    const lo = this.lo[level]!;
    const from = Math.max(first, lo);
    const to = Math.min(first + hashes.length / LOG_HASH_SIZE, lo + packed.length / LOG_HASH_SIZE);
    if (to <= from) return;
    const a = (from - first) * LOG_HASH_SIZE, b = (from - lo) * LOG_HASH_SIZE, n = (to - from) * LOG_HASH_SIZE;
    if (hashes.compare(packed, b, b + n, a, a + n) !== 0) return; // a difference: every node is compared, so it is found
    this.confirmedFrom[level] = from;
    this.confirmedTo[level] = to;
  }

  /** Whether node (level, index) is stored with exactly this hash (compared in place: no Buffer per node). */
  matches(level: number, index: number, hash: Buffer): boolean {
    if (index >= this.confirmedFrom[level]! && index < this.confirmedTo[level]!) return true;
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

/**
 * The nodes with idx in [lo[i], hi[i]] at level levels[i] (each level at most once): one
 * COPY, whose bytes hold every level's hashes back to back (no hex, no copy), plus one
 * query per damaged level.
 */
export async function fetchNodes(store: Store, levels: number[], lo: number[], hi: number[]): Promise<NodeWindow> {
  const window = new NodeWindow();
  if (!levels.length) return window;
  const array = (xs: number[], type: string) => `'{${xs.map(sqlInt).join(',')}}'::${type}[]`;
  // LATERAL: one index range scan per level (a plain join on the ranges can make the planner scan the table).
  const bytes = await store.copyBinary(
    `SELECT t.l AS level, x.n, x.hashes FROM unnest(${array(levels, 'smallint')}, ${array(lo, 'bigint')}, ${array(hi, 'bigint')}) AS t(l, lo, hi)
     CROSS JOIN LATERAL (SELECT count(*) AS n, string_agg(hash, ''::bytea ORDER BY idx) AS hashes
                         FROM log_nodes WHERE level = t.l AND idx BETWEEN t.lo AND t.hi) AS x`,
  );
  const got = new Map<number, { n: number; hashes: Buffer | null }>();
  for (const r = new BinaryCopyRows(bytes, 3); r.next(); ) got.set(r.int(0)!, { n: r.int(1)!, hashes: r.view(2) });
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!, width = hi[i]! - lo[i]! + 1;
    const row = got.get(l);
    if (row?.hashes && row.n === width && row.hashes.length === width * LOG_HASH_SIZE) window.setPacked(l, lo[i]!, row.hashes);
    else {
      const rows = await store.query<NodeRow>('SELECT level, idx, hash FROM log_nodes WHERE level = $1 AND idx BETWEEN $2 AND $3', [l, lo[i], hi[i]]);
      window.setRows(l, rows.rows);
    }
  }
  return window;
}
