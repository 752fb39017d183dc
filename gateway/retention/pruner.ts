import type { Store } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { prepareEntry } from '../log/entries';
import { appendEntries } from '../log/append';
import { digestHex } from '../crypto/digest';
import type { LogHashAlg } from '../merkle/hash';
import type { BodyArchive } from './archive';
import type { RetentionMark } from './bodies';

export interface RetentionPolicy {
  /** Bodies of settled messages older than this many days leave the database. */
  days: number;
  mode: 'archive' | 'drop';
  batchSize: number;
}

/** Statuses after which nobody needs the body to move the message on (an ack of a delivered message reads only its digest). */
export const SETTLED = ['delivered', 'acknowledged', 'rejected'] as const;
const settled = new Set<string>(SETTLED);

export interface PruneReport {
  pruned: number;
  /** Messages past the cutoff that keep their body because they are not settled yet (queued, failing, dead letters). */
  waiting: number;
  /** Signed log entries recording the batches. */
  logIndices: number[];
}

interface Row {
  id: string;
  seq: string;
  status: string;
  payload: unknown;
  conversion: unknown;
  retention: RetentionMark | null;
  received_at: Date;
}

const DAY_MS = 86_400_000;

/**
 * Moves the bodies (payload, native form) of settled messages older than the policy
 * out of the database — archived under their SHA-256, or dropped — keeping digest,
 * envelope, receipts and log entry, so every inclusion and consistency proof and
 * `xgw verify log` still hold. Each batch is one transaction that also appends a
 * `retention.pruned` entry (count, cutoff, seq range, digest of the ids) to the signed
 * log. The 'retention' sequence row is the walk's cursor and its lock: one pruner at a
 * time across processes; it advances only over messages nothing is waiting on, so an
 * unsettled one is looked at again next run.
 */
export async function pruneBodies(
  store: Store,
  opts: { policy: RetentionPolicy; archive: BodyArchive | null; clock: Clock; alg: LogHashAlg },
): Promise<PruneReport> {
  const { policy, archive, clock, alg } = opts;
  if (policy.mode === 'archive' && !archive) throw new Error('retention mode "archive" needs an archive directory');
  const now = clock.now();
  const cutoff = new Date(now.getTime() - policy.days * DAY_MS);
  const report: PruneReport = { pruned: 0, waiting: 0, logIndices: [] };
  // pos: where the scan is; the cursor follows it only while nothing before it waits.
  let pos: number | null = null;
  let contiguous = true;
  for (;;) {
    const more = await store.tx(async (db) => {
      const cursor = Number((await db.query<{ value: string }>(`SELECT value FROM sequences WHERE name = 'retention' FOR UPDATE`)).rows[0]!.value);
      pos ??= cursor;
      // seq is commit order, which follows receiving time: the walk ends at the first message inside the period.
      const page = (
        await db.query<Row>(`SELECT id, seq, status, payload, conversion, retention, received_at FROM messages WHERE seq > $1 ORDER BY seq LIMIT $2`, [pos, policy.batchSize])
      ).rows;
      const young = page.findIndex((r) => r.received_at >= cutoff);
      const rows = young < 0 ? page : page.slice(0, young);
      if (!rows.length) return false;
      const waits = (r: Row) => r.retention === null && !settled.has(r.status);
      const prune = rows.filter((r) => r.retention === null && settled.has(r.status));
      report.waiting += rows.filter(waits).length;
      let next = cursor;
      for (const r of rows) {
        if (!contiguous || waits(r)) {
          contiguous = false;
          break;
        }
        next = Number(r.seq);
      }
      if (prune.length) {
        const at = formatTime(now);
        const marks = prune.map((r): RetentionMark => (policy.mode === 'archive' ? { at, mode: 'archive', sha256: archive!.put({ payload: r.payload, conversion: r.conversion }) } : { at, mode: 'drop' }));
        await db.query(
          `UPDATE messages m SET payload = NULL, conversion = NULL, retention = u.mark
           FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, mark) WHERE m.id = u.id AND m.retention IS NULL`,
          [prune.map((r) => r.id), marks.map((m) => JSON.stringify(m))],
        );
        const ids = prune.map((r) => r.id).sort();
        const entry = prepareEntry(alg, 'retention.pruned', now, {
          mode: policy.mode,
          count: prune.length,
          olderThan: formatTime(cutoff),
          seq: { first: Number(prune[0]!.seq), last: Number(prune.at(-1)!.seq) },
          ids: { alg: 'sha256', value: digestHex('sha256', ids.join('\n')) },
        });
        report.logIndices.push(...(await appendEntries(db, [entry])));
        report.pruned += prune.length;
      }
      if (next > cursor) await db.query(`UPDATE sequences SET value = $1 WHERE name = 'retention'`, [next]);
      pos = Number(rows.at(-1)!.seq);
      return young < 0 && page.length === policy.batchSize;
    });
    if (!more) return report;
  }
}
