import { prepared, type Store } from '../store/db';
import type { Logger } from '../logger';
import type { PreparedEntry } from '../log/entries';
import { databaseFailures } from '../store/isolate';
import { GroupCommitQueue } from '../batching/queue';
import { logAppendCtes } from '../log/append';
import { joinJsonTexts, splitJsonTexts } from '../store/joined-texts';

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
 * prepared once per connection. As in the exchange writer, the rows' fields travel as one JSON
 * parameter ($1) and their JSON texts (request, response, log entry) joined, one parameter each
 * (store/joined-texts.ts; a response of JSON null is no response, SQL NULL, as inside JSON). The
 * agency's native texts stay in the JSON: they may hold any character.
 */
const BATCH_SQL = prepared(`
WITH input AS (
  SELECT x.n, x.id, x.caller, x.caller_system, x.provider, x.service, x.purpose, x.case_id,
    NULLIF(x.request, 'null')::jsonb AS request, NULLIF(x.response, 'null')::jsonb AS response, x.outcome, x.error_code,
    x.error_detail, x.native_request, x.native_response, x.provenance, x.started_at, x.duration_ms, x.entry, x.leaf_hash
  FROM ROWS FROM (
    jsonb_to_recordset($1::jsonb) AS (
      n bigint, id uuid, caller text, caller_system text, provider text, service text, purpose text, case_id text,
      outcome text, error_code text, error_detail text, native_request text, native_response text,
      provenance jsonb, started_at timestamptz, duration_ms integer, leaf_hash text),
    ${splitJsonTexts('$2')}, ${splitJsonTexts('$3')}, ${splitJsonTexts('$4')}
  ) AS x(n, id, caller, caller_system, provider, service, purpose, case_id, outcome, error_code, error_detail,
    native_request, native_response, provenance, started_at, duration_ms, leaf_hash, request, response, entry)
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
    const r = await this.store.query<{ idx: string; id: string }>(BATCH_SQL, [
      JSON.stringify(rows.map((row, i) => rowJson(row, i + 1))),
      joinJsonTexts(rows.map((row) => JSON.stringify(row.request ?? null)), 'service request'),
      joinJsonTexts(rows.map((row) => JSON.stringify(row.response ?? null)), 'service response'),
      joinJsonTexts(rows.map((row) => row.entry.text), 'log entry'),
    ]);
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
  outcome: r.outcome,
  error_code: r.errorCode,
  error_detail: r.errorDetail,
  native_request: r.nativeRequest,
  native_response: r.nativeResponse,
  provenance: r.provenance,
  started_at: r.startedAt,
  duration_ms: r.durationMs,
  leaf_hash: r.entry.leafHash.toString('hex'),
});
