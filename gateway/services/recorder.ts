import { prepared, type Store } from '../store/db';
import type { Logger } from '../logger';
import type { PreparedEntry } from '../log/entries';
import { databaseFailures } from '../store/isolate';
import { GroupCommitQueue } from '../batching/queue';
import { logAppendCtes } from '../log/append';

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

/**
 * The calls and their log entries in ONE statement: insert the rows, then the log
 * append (log/append.ts) of one service.called entry per call. Constant SQL text,
 * prepared once per connection; the rows travel as one JSON parameter (as the exchange
 * writer does).
 */
const BATCH_SQL = prepared(`
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
), ${logAppendCtes(`SELECT n AS k, 'service.called' AS kind, id AS message_id, case_id, entry, leaf_hash, started_at AS created_at FROM input`)}
SELECT idx, message_id AS id FROM log_appended`);

/** A call's place in the log, as its answer carries it. */
export interface CallLogPosition {
  index: number;
  leafHash: string;
}

/**
 * Service-call records, group committed (gateway/batching/queue.ts): calls finishing
 * while a commit is in flight share the next statement. Each caller is answered (with
 * its log position) only after the commit holding its record; a record the database
 * refuses fails alone. Once `overlapMinBatch` records wait, a second statement is sent
 * beside the one in flight (groupCommit.overlapMinBatch): the log's sequence row lock,
 * taken inside each statement, orders the two.
 */
export class ServiceCallRecorder {
  private readonly queue: GroupCommitQueue<CallRow, CallLogPosition>;

  constructor(
    private readonly store: Store,
    log: Logger,
    overlapMinBatch = 0,
    maxBatch = 256,
  ) {
    this.queue = new GroupCommitQueue({
      what: 'service-call records',
      maxBatch,
      overlapMinBatch,
      commit: (rows) => this.write(rows),
      failures: databaseFailures,
      onFailure: (err, calls, splitting) => log.error({ err, calls }, splitting ? 'a service-call batch was refused for a value; recording its halves apart' : 'recording service calls failed'),
    });
  }

  record(row: CallRow): Promise<CallLogPosition> {
    return this.queue.submit(row);
  }

  /** Records waiting for a commit (not yet in one). */
  get queued(): number {
    return this.queue.queued;
  }

  /** Records the calls and their log entries: all or none. */
  private async write(rows: CallRow[]): Promise<CallLogPosition[]> {
    const r = await this.store.query<{ idx: string; id: string }>(BATCH_SQL, [JSON.stringify(rows.map((row, i) => rowJson(row, i + 1)))]);
    const at = new Map(r.rows.map((x) => [x.id, Number(x.idx)]));
    return rows.map((row) => {
      const index = at.get(row.id);
      if (index === undefined) throw new Error(`service call ${row.id} has no log entry after its batch`);
      return { index, leafHash: row.entry.leafHash.toString('hex') };
    });
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
