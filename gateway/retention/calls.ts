import type { Store } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { prepareEntry } from '../log/entries';
import { appendEntries } from '../log/append';
import { digestHex } from '../crypto/digest';
import type { LogHashAlg } from '../merkle/hash';
import type { ArchivedCall, BodyArchive } from './archive';
import type { RetentionMark } from './bodies';

const DAY_MS = 86_400_000;

export interface CallPruneReport {
  pruned: number;
  logIndices: number[];
}

interface CallRow {
  id: string;
  request: unknown;
  response: unknown;
  native_request: string | null;
  native_response: string | null;
}

/**
 * Moves the bodies of service calls older than the policy — the JSON request and answer and
 * the SOAP texts — out of `service_calls`, archived under their SHA-256 or dropped. The call's
 * header (who asked whom, for what purpose and case, outcome, duration) stays, and its
 * service.called log entry keeps the sha256 of every text, so an archived body is checked
 * against it in evidence bundles and `xgw verify log` is untouched. A call is finished when
 * it is recorded: nothing waits. Each batch is one transaction with one signed
 * `retention.pruned` entry (`records: "service-calls"`); rows are locked SKIP LOCKED, so
 * gateways pruning at once take different calls.
 */
export async function pruneServiceCalls(
  store: Store,
  opts: { days: number; mode: 'archive' | 'drop'; batchSize: number; archive: BodyArchive | null; clock: Clock; alg: LogHashAlg },
): Promise<CallPruneReport> {
  const { mode, archive, clock, alg } = opts;
  if (mode === 'archive' && !archive) throw new Error('retention mode "archive" needs an archive directory');
  const now = clock.now();
  const cutoff = new Date(now.getTime() - opts.days * DAY_MS);
  const report: CallPruneReport = { pruned: 0, logIndices: [] };
  for (;;) {
    const n = await store.tx(async (db) => {
      const rows = (
        await db.query<CallRow>(
          `SELECT id, request, response, native_request, native_response FROM service_calls
           WHERE retention IS NULL AND started_at < $1 ORDER BY started_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [cutoff, opts.batchSize],
        )
      ).rows;
      if (!rows.length) return 0;
      const at = formatTime(now);
      const marks = rows.map((r): RetentionMark => {
        if (mode === 'drop') return { at, mode: 'drop' };
        const body: ArchivedCall = { request: r.request, response: r.response, nativeRequest: r.native_request, nativeResponse: r.native_response };
        return { at, mode: 'archive', sha256: archive!.put(body) };
      });
      await db.query(
        `UPDATE service_calls c SET request = NULL, response = NULL, native_request = NULL, native_response = NULL, retention = u.mark
         FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, mark) WHERE c.id = u.id`,
        [rows.map((r) => r.id), marks.map((m) => JSON.stringify(m))],
      );
      const ids = rows.map((r) => r.id).sort();
      const entry = prepareEntry(alg, 'retention.pruned', now, {
        records: 'service-calls',
        mode,
        count: rows.length,
        olderThan: formatTime(cutoff),
        ids: { alg: 'sha256', value: digestHex('sha256', ids.join('\n')) },
      });
      report.logIndices.push(...(await appendEntries(db, [entry])));
      return rows.length;
    });
    report.pruned += n;
    if (n < opts.batchSize) return report;
  }
}

/** A stored call's bodies wherever they are: in its row, read back from the archive, or null when dropped. */
export function callBodiesOf(row: CallRow & { retention: RetentionMark | null }, archive: BodyArchive | null): ArchivedCall & { retention?: RetentionMark } {
  const mark = row.retention;
  if (!mark) return { request: row.request, response: row.response, nativeRequest: row.native_request, nativeResponse: row.native_response };
  if (mark.mode === 'drop') return { request: null, response: null, nativeRequest: null, nativeResponse: null, retention: mark };
  if (!archive) throw new GatewayError('GW_ERR_RETENTION_ARCHIVE_UNREADABLE', `archived service call ${row.id} cannot be read: no archive is configured`);
  return archive.get<ArchivedCall>(mark.sha256);
}
