/**
 * Reading log_entries for the stored-log audit (audit-log.ts), one page at a time.
 *
 * A page comes in PostgreSQL's binary COPY format (Store.copyBinary): the entry texts as
 * their UTF-8 bytes and the stored leaf hashes as bytes, in one Buffer, with no row
 * object, string or Buffer per entry (decoding each text into a string and encoding it
 * back cost more than hashing it did). Every leaf is hashed in place: the byte before an
 * entry's text (the last byte of its length field) is set to the 0x00 leaf prefix while
 * it is hashed (leaf-hashes.ts, on a worker thread where there is a second core).
 *
 * The verifier recomputes every leaf from the entry text and only compares the stored
 * leaf hash; each row carries its idx, so a gap, a stored leaf hash of the wrong size or
 * a NULL is reported row by row as it is.
 */
import type { Store } from '../store/db';
import { BinaryCopyRows, sqlInt } from '../store/binary-copy';
import { LOG_HASH_SIZE, type LogHashAlg } from '../merkle/hash';
import { pageLeaves, type LeafHashWorker, type PageLeaves } from './leaf-hashes';

/** Called for each entry in idx order: its index, the leaf hash recomputed from its text, and whether the stored leaf hash equals it. */
export type EntryVisitor = (idx: number, leaf: Buffer, storedMatches: boolean) => void;

export interface EntryPage extends PageLeaves {
  /** Rows read (the page is the last one when this is below the page size). */
  count: number;
  /** idx of the last row read. */
  lastIdx: number;
  /** idx of row k (at tree position pos + k). */
  idx: Float64Array;
  pos: number;
}

const IDX = 0, ENTRY = 1, LEAF = 2;
/** Entries visited between two yields to the event loop (see visitEntries). */
const YIELD_EVERY = 500;

/** A page as read: where its rows' fields lie, before anything is hashed. */
export interface ReadPage {
  count: number;
  /** idx of the last row read. */
  lastIdx: number;
  /** Recomputes the leaf hashes and inner nodes (on `worker` when given, else here), the rows being the tree's leaves from `pos` on. */
  hash(alg: LogHashAlg, pos: number, worker?: LeafHashWorker): Promise<EntryPage>;
}

/** The entries with idx ≥ startIdx, at most `limit` of them. */
export async function readEntryPage(store: Store, startIdx: number, limit: number): Promise<ReadPage> {
  const bytes = await store.copyBinary(`SELECT idx, entry, leaf_hash FROM log_entries WHERE idx >= ${sqlInt(startIdx)} ORDER BY idx LIMIT ${sqlInt(limit)}`);
  const idx = new Float64Array(limit), start = new Int32Array(limit), length = new Int32Array(limit), stored = new Int32Array(limit);
  let count = 0;
  for (const r = new BinaryCopyRows(bytes, 3); r.next(); count++) {
    if (r.fields !== 3 || r.length[ENTRY]! < 0 || count === limit) throw new Error('log_entries page: unexpected COPY data');
    idx[count] = r.int(IDX)!;
    start[count] = r.start[ENTRY]!;
    length[count] = r.length[ENTRY]!;
    stored[count] = r.length[LEAF] === LOG_HASH_SIZE ? r.start[LEAF]! : -1;
  }
  const lastIdx = count ? idx[count - 1]! : startIdx - 1;
  return {
    count,
    lastIdx,
    async hash(alg, pos, worker) {
      const input = { alg, bytes, count, start, length, stored, pos };
      const hashed = worker ? await worker.hash(input) : pageLeaves(input);
      return { ...hashed, count, lastIdx, idx, pos };
    },
  };
}

/**
 * Calls `visit` for every entry of the page in idx order. Yields to the event loop every
 * few hundred entries, so that the next page (a COPY streamed as the server produces it,
 * then hashed) keeps coming while this one is folded into the tree, rather than the
 * server stalling on a full socket.
 */
export async function visitEntries(page: EntryPage, visit: EntryVisitor): Promise<void> {
  for (let k = 0; k < page.count; k++) {
    if (k > 0 && k % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    visit(page.idx[k]!, page.leaves.subarray(k * LOG_HASH_SIZE, (k + 1) * LOG_HASH_SIZE), page.matches[k] === 1);
  }
}

/**
 * Reads pages ahead of their use, one after the other: page k+1 is requested once page k
 * has arrived (`fetch` gets it: a keyset page starts after the last one), and at most
 * `depth` arrived pages wait to be taken. `fetch` returns null after the last page.
 */
export class ReadAhead<T> {
  private readonly arrived: T[] = [];
  private requested = 0;
  private last: T | undefined;
  private inFlight = false;
  private ended = false;
  private error: { cause: unknown } | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly depth: number,
    private readonly fetch: (k: number, previous: T | undefined) => Promise<T> | null,
  ) {
    this.pump();
  }

  /** The next page, or null after the last one; throws what fetching it threw. */
  async take(): Promise<T | null> {
    for (;;) {
      if (this.arrived.length) {
        const page = this.arrived.shift()!;
        this.pump();
        return page;
      }
      if (this.error) throw this.error.cause;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Requests nothing more (a request in flight finishes and is dropped). */
  stop(): void {
    this.ended = true;
  }

  private pump(): void {
    if (this.inFlight || this.ended || this.arrived.length >= this.depth) return;
    const next = this.fetch(this.requested, this.last);
    if (!next) {
      this.ended = true;
      return this.notify();
    }
    this.inFlight = true;
    this.requested++;
    next.then(
      (page) => {
        this.inFlight = false;
        this.last = page;
        this.arrived.push(page);
        this.notify();
        this.pump();
      },
      (cause: unknown) => {
        this.inFlight = false;
        this.error ??= { cause };
        this.ended = true;
        this.notify();
      },
    );
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
