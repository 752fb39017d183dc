import type { Store } from '../store/db';
import type { Logger } from '../logger';
import type { PreparedEntry } from '../log/entries';
import { batchWriteError, writeIsolating } from '../store/isolate';

/** One service call as stored (service_calls row) with its prepared service.called log entry. */
export interface CallRow {
  id: string;
  caller: string;
  callerSystem: string;
  provider: string;
  service: string;
  purpose: string;
  caseId: string;
  request: unknown;
  response: unknown;
  outcome: 'ok' | 'failed';
  errorCode: string | null;
  errorDetail: string | null;
  nativeRequest: string | null;
  nativeResponse: string | null;
  provenance: unknown;
  startedAt: Date;
  durationMs: number;
  entry: PreparedEntry;
}

interface Pending {
  row: CallRow;
  resolve: (log: { index: number; leafHash: string }) => void;
  reject: (e: unknown) => void;
}

/**
 * The calls and their log entries in ONE statement: insert the rows, take a range
 * of the log sequence, append one dense-indexed entry per call. Constant SQL text;
 * the rows travel as one JSON parameter (as the exchange writer does).
 */
const BATCH_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    n bigint, id uuid, caller text, caller_system text, provider text, service text, purpose text, case_id text,
    request jsonb, response jsonb, outcome text, error_code text, error_detail text, native_request text, native_response text,
    provenance jsonb, started_at timestamptz, duration_ms integer, entry text, leaf_hash text)
), ins AS (
  INSERT INTO service_calls (id, caller, caller_system, provider, service, purpose, case_id, request, response, outcome, error_code, error_detail,
     native_request, native_response, provenance, started_at, duration_ms)
  SELECT id, caller, caller_system, provider, service, purpose, case_id, request, response, outcome, error_code, error_detail,
     native_request, native_response, provenance, started_at, duration_ms
  FROM input ORDER BY n
), lg AS (
  UPDATE sequences SET value = value + $2 WHERE name = 'log' RETURNING value
)
INSERT INTO log_entries (idx, kind, message_id, case_id, entry, leaf_hash, created_at)
SELECT lg.value - $2 + i.n - 1, 'service.called', i.id, i.case_id, i.entry, decode(i.leaf_hash, 'hex'), i.started_at
FROM input i CROSS JOIN lg
RETURNING idx, message_id AS id`;

/**
 * Group commit for service-call records: calls finishing while a commit is in
 * flight share the next statement. Each caller is answered (with its log
 * position) only after the commit holding its record.
 */
export class ServiceCallRecorder {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly maxBatch = 256,
  ) {}

  record(row: CallRow): Promise<{ index: number; leafHash: string }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Records the calls and their log entries: all or none. */
  private async write(batch: Pending[]): Promise<Array<{ index: number; leafHash: string }>> {
    const r = await this.store.query<{ idx: string; id: string }>(BATCH_SQL, [JSON.stringify(batch.map((p, i) => rowJson(p.row, i + 1))), batch.length]);
    const at = new Map(r.rows.map((x) => [x.id, Number(x.idx)]));
    return batch.map((p) => {
      const index = at.get(p.row.id);
      if (index === undefined) throw new Error(`service call ${p.row.id} has no log entry after its batch`);
      return { index, leafHash: p.row.entry.leafHash.toString('hex') };
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          // One statement; only if the database refuses a value of one call is the batch split to record the others.
          const written = await writeIsolating(batch, (part) => this.write(part), (err, size) => this.log.error({ err, calls: size }, 'recording service calls failed'));
          written.forEach((w, i) => (w.ok ? batch[i]!.resolve(w.value) : batch[i]!.reject(w.error)));
        } catch (err) {
          this.log.error({ err, calls: batch.length }, 'recording service calls failed');
          for (const p of batch) p.reject(batchWriteError(err, false));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

const rowJson = (r: CallRow, n: number) => ({
  n,
  id: r.id,
  caller: r.caller,
  caller_system: r.callerSystem,
  provider: r.provider,
  service: r.service,
  purpose: r.purpose,
  case_id: r.caseId,
  request: r.request,
  response: r.response,
  outcome: r.outcome,
  error_code: r.errorCode,
  error_detail: r.errorDetail,
  native_request: r.nativeRequest,
  native_response: r.nativeResponse,
  provenance: r.provenance,
  started_at: r.startedAt,
  duration_ms: r.durationMs,
  entry: r.entry.text,
  leaf_hash: r.entry.leafHash.toString('hex'),
});
