/**
 * The hashes of a page of log entries (audit-pages.ts): every leaf, and every interior node
 * whose leaves all lie in the page (for a page of 10,000 entries all but ≈ 14 of its 10,000
 * interior nodes), computed on this thread or on one worker thread. `xgw verify log` on a
 * machine with a second core uses the worker: it hashes the next page while this thread
 * folds the current one into the tree (taking the page's nodes from the worker, hashing
 * only those that span two pages), compares the stored nodes and checks checkpoints.
 * Both run the same function, `hashLeaves`; the page's bytes are moved to the worker, not
 * copied, and its answer is moved back.
 */
import { hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { LOG_HASH_SIZE, type LogHashAlg } from '../merkle/hash';

/** Where a page's entries lie in its bytes: the text of entry k is bytes[start[k], start[k] + length[k]). */
export interface LeafInput {
  alg: LogHashAlg;
  bytes: Buffer;
  count: number;
  start: Int32Array;
  length: Int32Array;
  /** Offset of entry k's stored leaf hash, or −1 when it is not LOG_HASH_SIZE bytes (it then never matches). */
  stored: Int32Array;
  /** Tree position of entry 0. */
  pos: number;
}

/** Levels of a page's inner nodes: node (l, i) lies in the page when pos ≤ i·2^l and (i+1)·2^l ≤ pos + count. */
export function innerLayout(pos: number, count: number): { first: Float64Array; offset: Float64Array; total: number } {
  const first = new Float64Array(54), offset = new Float64Array(54);
  let total = 0;
  for (let l = 1, w = 2; l < 54; l++, w *= 2) {
    first[l] = Math.ceil(pos / w);
    offset[l] = total;
    total += Math.max(0, Math.floor((pos + count) / w) - first[l]!);
  }
  return { first, offset, total };
}

export interface PageLeaves {
  /** Leaf hash of entry k at [k·32, k·32 + 32). */
  leaves: Buffer;
  /** 1 where entry k's stored leaf hash equals the recomputed one. */
  matches: Uint8Array;
  /**
   * The interior nodes whose leaves all lie in the page (the page's entries at tree
   * positions from `pos` on): at level l ≥ 1, nodes innerFirst[l] … in order from
   * innerOffset[l] in `inner`, each 32 bytes. Nodes that also span a neighbouring page
   * are left to the tree.
   */
  inner: Buffer;
  innerFirst: Float64Array;
  innerOffset: Float64Array;
}

/**
 * H(0x00 ‖ text) of every entry, hashed in place: the byte before a text (the last byte of
 * its length field) holds the 0x00 prefix while it is hashed. Self-contained (everything it
 * uses is a parameter): the worker runs its source text.
 */
export function hashLeaves(
  hashFn: typeof hash,
  size: number,
  alg: string,
  bytes: Buffer,
  count: number,
  start: Int32Array,
  length: Int32Array,
  stored: Int32Array,
  leaves: Buffer,
  matches: Uint8Array,
  pos: number,
  first: Float64Array,
  offset: Float64Array,
  inner: Buffer,
): void {
  for (let k = 0; k < count; k++) {
    const at = start[k]!;
    const before = bytes[at - 1]!;
    bytes[at - 1] = 0x00;
    const leaf = hashFn(alg, bytes.subarray(at - 1, at + length[k]!), 'buffer');
    bytes[at - 1] = before;
    leaf.copy(leaves, k * size);
    const s = stored[k]!;
    matches[k] = s >= 0 && leaf.compare(bytes, s, s + size) === 0 ? 1 : 0;
  }
  // Level by level: node (l, i) = H(0x01 ‖ (l−1, 2i) ‖ (l−1, 2i+1)), children from the level below.
  const input = Buffer.alloc(1 + 2 * size, 0x01);
  for (let l = 1; l < first.length; l++) {
    const below = l === 1 ? leaves : inner;
    const belowFirst = l === 1 ? pos : first[l - 1]!;
    const belowOffset = l === 1 ? 0 : offset[l - 1]! * size;
    const n = l + 1 < first.length ? (offset[l + 1]! - offset[l]!) : 0;
    for (let j = 0; j < n; j++) {
      const child = belowOffset + (2 * (first[l]! + j) - belowFirst) * size;
      below.copy(input, 1, child, child + 2 * size);
      hashFn(alg, input, 'buffer').copy(inner, (offset[l]! + j) * size);
    }
  }
}

/** The page's inner nodes at `level` (≥ 1): the index of the first and their hashes back to back (views, no copy); none when the level has none. */
export function innerLevel(p: PageLeaves, level: number): { first: number; hashes: Buffer } | undefined {
  if (level < 1 || level + 1 >= p.innerFirst.length) return undefined;
  const from = p.innerOffset[level]!, to = p.innerOffset[level + 1]!;
  return to > from ? { first: p.innerFirst[level]!, hashes: p.inner.subarray(from * LOG_HASH_SIZE, to * LOG_HASH_SIZE) } : undefined;
}

/** Inner node (level, index) of the page, when it lies in the page (a view, no copy). */
export function innerNode(p: PageLeaves, level: number, index: number): Buffer | undefined {
  if (level < 1 || level + 1 >= p.innerFirst.length) return undefined;
  const j = index - p.innerFirst[level]!;
  if (j < 0 || j >= p.innerOffset[level + 1]! - p.innerOffset[level]!) return undefined;
  const at = (p.innerOffset[level]! + j) * LOG_HASH_SIZE;
  return p.inner.subarray(at, at + LOG_HASH_SIZE);
}

/** On this thread. */
export function pageLeaves(input: LeafInput): PageLeaves {
  const leaves = Buffer.allocUnsafe(input.count * LOG_HASH_SIZE);
  const matches = new Uint8Array(input.count);
  const { first, offset, total } = innerLayout(input.pos, input.count);
  const inner = Buffer.allocUnsafe(total * LOG_HASH_SIZE);
  hashLeaves(hash, LOG_HASH_SIZE, input.alg, input.bytes, input.count, input.start, input.length, input.stored, leaves, matches, input.pos, first, offset, inner);
  return { leaves, matches, inner, innerFirst: first, innerOffset: offset };
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const hashLeaves = ${hashLeaves.toString()};
parentPort.on('message', (m) => {
  try {
    // Answers in ArrayBuffers of their own (a small Buffer.allocUnsafe shares Node's pool, which must not move).
    const leaves = new ArrayBuffer(m.count * m.size), matches = new ArrayBuffer(m.count), inner = new ArrayBuffer(m.total * m.size);
    hashLeaves(hash, m.size, m.alg, Buffer.from(m.bytes), m.count, m.start, m.length, m.stored, Buffer.from(leaves), new Uint8Array(matches), m.pos, m.first, m.offset, Buffer.from(inner));
    parentPort.postMessage({ id: m.id, leaves, matches, inner }, [leaves, matches, inner]);
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.stack || err) });
  }
});`;

/** One worker thread hashing pages in the order they are given. */
export class LeafHashWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(p: PageLeaves): void; reject(e: Error): void; first: Float64Array; offset: Float64Array }>();
  private nextId = 0;
  private failed: Error | null = null;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; leaves?: ArrayBuffer; matches?: ArrayBuffer; inner?: ArrayBuffer; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`leaf hash worker: ${m.error}`));
      else p.resolve({ leaves: Buffer.from(m.leaves!), matches: new Uint8Array(m.matches!), inner: Buffer.from(m.inner!), innerFirst: p.first, innerOffset: p.offset });
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`leaf hash worker exited (${code})`)));
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Hashes the page on the worker. `input.bytes` is moved there: this thread must not use it again. */
  hash(input: LeafInput): Promise<PageLeaves> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    // Move (not copy) the bytes: only a Buffer that is its whole ArrayBuffer can be moved (else a copy in one of its own).
    const b = input.bytes;
    const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : new Uint8Array(b);
    const { first, offset, total } = innerLayout(input.pos, input.count);
    return new Promise<PageLeaves>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, first, offset });
      const m = { id, size: LOG_HASH_SIZE, alg: input.alg, bytes: own.buffer, count: input.count, start: input.start, length: input.length, stored: input.stored, pos: input.pos, first, offset, total };
      this.worker.postMessage(m, [own.buffer as ArrayBuffer, input.start.buffer as ArrayBuffer, input.length.buffer as ArrayBuffer, input.stored.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.fail(new Error('leaf hash worker closed'));
    await this.worker.terminate();
  }
}
