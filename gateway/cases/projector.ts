import { GatewayError } from '../errors';
import type { BodyArchive } from '../retention/archive';
import { payloadOf, type BodyRow } from '../retention/bodies';
import type { Db, Store } from '../store/db';
import type { Logger } from '../logger';
import { applyCaseMessage, type CaseBranch, type CaseEventRow, type CaseState, type LoggedCaseMessage } from './timeline';
import type { WorkingCalendar } from './calendar';
import type { BranchStatus, CaseStatus } from './lifecycle';

/** Log entries read per projection step (one transaction each). */
const STEP_ENTRIES = 2000;
/**
 * After a commit the projection waits this long for more commits to fold together: under
 * load, one step per interval instead of one per batch (on PGlite, one connection, each step
 * would otherwise queue between the push batches). Readers catch up first, so no answer lags.
 */
const WAKE_DELAY_MS = 100;
/** Payloads remember() keeps at most (oldest dropped first): a few seconds of pushes at full speed. */
const MAX_REMEMBERED = 8192;
export const CASE_MESSAGE_TYPES = ['case-record', 'case-status'] as const;

/**
 * The case projection: a consumer of the signed log. It reads the log from its cursor
 * (the 'cases' sequence row: the next log index to apply, locked FOR UPDATE so one projector runs at a time across
 * processes), folds each case message into its case (timeline.ts), and writes cases,
 * branches and events with the new cursor in one transaction. Log index order is commit
 * order (log/append.ts), so nothing committed is skipped. Rebuild = empty the tables,
 * cursor 0, the same fold: the live tables and a rebuild cannot differ.
 *
 * Why not in the message's own transaction: the push batch is one constant statement
 * holding the exchange and log locks (exchange/write-batch.ts); a case fold there would
 * read and lock case rows inside the hottest lock of the gateway, and an out-of-order
 * status would have to be refused or parked there. After the commit, the fold costs the
 * push path nothing; readers call catchUp() first, so an answer never lags the log.
 */
export class CaseProjector {
  private running: Promise<void> | null = null;
  private again = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  /** Payloads of case messages committed here and not folded yet, by message id (remember()). */
  private readonly fresh = new Map<string, Record<string, any>>();
  /** Payloads the folds read from the database (or the archive) so far: not those remembered. */
  bodiesRead = 0;

  constructor(
    private readonly store: Store,
    readonly calendar: WorkingCalendar,
    private readonly log?: Logger,
    /** Bodies past the retention period are read back from here (a rebuild after pruning). */
    private readonly archive: BodyArchive | null = null,
  ) {}

  /** Applies every log entry committed so far (coalesced: callers during a run share the next run). */
  catchUp(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          while (await this.store.tx((db) => this.step(db, true))) {}
        } while (this.again);
      } finally {
        this.running = null;
      }
    };
    this.running = run();
    return this.running;
  }

  /** Resolves when no projection step is running or waiting to (before the store closes). */
  async settled(): Promise<void> {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    await this.running?.catch(() => {});
  }

  /**
   * Case messages this process just committed (writer.onCommit): their payloads are kept until
   * the projection folds them (at most MAX_REMEMBERED; beyond that, or for another process's
   * commits, the fold reads them from the database as before).
   */
  remember(created: ReadonlyArray<{ id: string; type: string; payload: unknown }>): void {
    for (const m of created) if ((CASE_MESSAGE_TYPES as readonly string[]).includes(m.type)) this.fresh.set(m.id, m.payload as Record<string, any>);
    while (this.fresh.size > MAX_REMEMBERED) this.fresh.delete(this.fresh.keys().next().value as string);
  }

  /** After a commit: catch up in the background, WAKE_DELAY_MS later (commits in between share the run). */
  wake(): void {
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.catchUp().catch((err) => this.log?.error({ err }, 'case projection failed; the next commit or read retries'));
    }, WAKE_DELAY_MS);
    this.wakeTimer.unref();
  }

  /** Empties the case tables and folds the whole log again, in one transaction. Returns the cases rebuilt. */
  async rebuild(): Promise<number> {
    return this.store.tx(async (db) => {
      await db.query(`SELECT value FROM sequences WHERE name = 'cases' FOR UPDATE`);
      await db.query('DELETE FROM case_events');
      await db.query('DELETE FROM cases');
      await db.query(`UPDATE sequences SET value = 0 WHERE name = 'cases'`);
      while (await this.step(db, false)) {}
      return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM cases')).rows[0]!.n);
    });
  }

  /** One step: the next entries after the cursor. Returns whether there may be more. */
  private async step(db: Db, fromMemory: boolean): Promise<boolean> {
    const cursor = Number((await db.query<{ value: string }>(`SELECT value FROM sequences WHERE name = 'cases' FOR UPDATE`)).rows[0]!.value);
    const r = await db.query<{ idx: string; message_id: string; type: LoggedCaseMessage['type'] | null; sender: string; receiver: string }>(
      // One primary-key probe per entry (LATERAL … LIMIT 1 is not flattened into a join): a plain join was planned as
      // a hash join over a sequential scan of every message, at each step, until the table outgrew the step.
      `SELECT le.idx, m.id AS message_id, m.type, m.sender, m.receiver
       FROM (SELECT idx, kind, message_id FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT $2) le
       LEFT JOIN LATERAL (
         SELECT m.id, m.type, m.sender, m.receiver FROM messages m
         WHERE le.kind = 'message.received' AND m.id = le.message_id AND m.type = ANY($3::text[]) LIMIT 1
       ) m ON true
       ORDER BY le.idx`,
      [cursor, STEP_ENTRIES, CASE_MESSAGE_TYPES],
    );
    if (!r.rows.length) return false;
    const rows = r.rows.filter((x) => x.type);
    const payloads = await this.payloadsOf(db, rows.map((x) => x.message_id), fromMemory);
    const messages: LoggedCaseMessage[] = rows.map((x) => ({
      idx: Number(x.idx), messageId: x.message_id, type: x.type!, sender: x.sender, receiver: x.receiver, payload: payloads.get(x.message_id)!,
    }));
    if (messages.length) await this.fold(db, messages);
    await db.query(`UPDATE sequences SET value = $1 WHERE name = 'cases'`, [Number(r.rows[r.rows.length - 1]!.idx) + 1]);
    return r.rows.length === STEP_ENTRIES;
  }

  /**
   * The messages' payloads: those this process committed from memory (remember()), the others
   * from the database (or the archive). Not the database's copy of a payload it already holds:
   * the bodies are a push's largest part, read back and parsed for nothing.
   */
  private async payloadsOf(db: Db, ids: string[], fromMemory: boolean): Promise<Map<string, Record<string, any>>> {
    const found = new Map<string, Record<string, any>>();
    const missing: string[] = [];
    for (const id of ids) {
      const p = fromMemory ? this.fresh.get(id) : undefined;
      if (p) found.set(id, p);
      else missing.push(id);
      this.fresh.delete(id);
    }
    if (missing.length) {
      const r = await db.query<{ id: string } & BodyRow>('SELECT id, payload, retention, digest_alg, digest FROM messages WHERE id = ANY($1::uuid[])', [missing]);
      for (const x of r.rows) found.set(x.id, this.payloadOf({ ...x, message_id: x.id }));
      this.bodiesRead += r.rows.length;
    }
    return found;
  }

  private payloadOf(x: BodyRow & { message_id: string }): Record<string, any> {
    const payload = payloadOf(x, this.archive) as Record<string, any> | null;
    if (payload === null) {
      throw new GatewayError('GW_ERR_RETENTION_ARCHIVE_UNREADABLE', `case message ${x.message_id}: its body was dropped by the retention policy (mode drop), so cases cannot be rebuilt from the log past it`);
    }
    return payload;
  }

  private async fold(db: Db, messages: LoggedCaseMessage[]): Promise<void> {
    const caseNos = [...new Set(messages.map((m) => String(m.payload.caseNo)))];
    const cases = await loadCases(db, caseNos);
    const events: CaseEventRow[] = [];
    const touched = new Set<string>();
    for (const m of messages) {
      const { state, event } = applyCaseMessage(cases.get(m.payload.caseNo), m, this.calendar);
      events.push(event);
      if (state) {
        cases.set(state.caseNo, state);
        touched.add(state.caseNo);
      }
    }
    await saveCases(db, [...touched].map((no) => cases.get(no)!));
    await db.query(
      `INSERT INTO case_events (case_no, idx, message_id, event, department, department_name, officer, occurred_at, applied, note)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(case_no text, idx bigint, message_id uuid, event text, department text,
         department_name text, officer text, occurred_at timestamptz, applied boolean, note text)`,
      [
        JSON.stringify(
          events.map((e) => ({
            case_no: e.caseNo, idx: e.idx, message_id: e.messageId, event: e.event, department: e.department, department_name: e.departmentName,
            officer: e.officer, occurred_at: e.occurredAt, applied: e.applied, note: e.note,
          })),
        ),
      ],
    );
  }
}

const day = (d: Date | string | null): string | null => (d === null ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

/** The stored cases (with their branches) by case number. */
export async function loadCases(db: Db, caseNos: string[]): Promise<Map<string, CaseState>> {
  const rows = await db.query<Record<string, any>>(
    `SELECT case_no, matter_code, matter_name, applicant, accepting_department, hall, legal_limit_days, accepted_at, accepted_on::text,
            status, due_on::text, completed_on::text, working_days, first_idx, last_idx
     FROM cases WHERE case_no = ANY($1::text[])`,
    [caseNos],
  );
  const branches = await db.query<Record<string, any>>(
    `SELECT case_no, department, status, required, suspensions, due_on::text, completed_on::text, working_days, opened_idx
     FROM case_branches WHERE case_no = ANY($1::text[]) ORDER BY case_no, opened_idx`,
    [caseNos],
  );
  const byCase = new Map<string, CaseBranch[]>();
  for (const b of branches.rows) {
    const list = byCase.get(b.case_no) ?? [];
    list.push({
      department: b.department, status: b.status as BranchStatus, required: b.required, suspensions: b.suspensions,
      dueOn: day(b.due_on), completedOn: day(b.completed_on), workingDays: b.working_days, openedIdx: Number(b.opened_idx),
    });
    byCase.set(b.case_no, list);
  }
  return new Map(
    rows.rows.map((c) => [
      c.case_no,
      {
        caseNo: c.case_no, matterCode: c.matter_code, matterName: c.matter_name, applicant: c.applicant, acceptingDepartment: c.accepting_department,
        hall: c.hall, legalLimitDays: c.legal_limit_days, acceptedAt: new Date(c.accepted_at).toISOString(), acceptedOn: day(c.accepted_on)!,
        status: c.status as CaseStatus, dueOn: day(c.due_on), completedOn: day(c.completed_on), workingDays: c.working_days, firstIdx: Number(c.first_idx), lastIdx: Number(c.last_idx),
        branches: byCase.get(c.case_no) ?? [],
      },
    ]),
  );
}

async function saveCases(db: Db, cases: CaseState[]): Promise<void> {
  if (!cases.length) return;
  await db.query(
    `INSERT INTO cases (case_no, matter_code, matter_name, applicant, accepting_department, hall, legal_limit_days, accepted_at, accepted_on,
                        status, due_on, completed_on, working_days, first_idx, last_idx)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(case_no text, matter_code text, matter_name text, applicant jsonb, accepting_department text,
       hall text, legal_limit_days integer, accepted_at timestamptz, accepted_on date, status text, due_on date, completed_on date, working_days integer, first_idx bigint, last_idx bigint)
     ON CONFLICT (case_no) DO UPDATE SET status = excluded.status, due_on = excluded.due_on, completed_on = excluded.completed_on,
       working_days = excluded.working_days, last_idx = excluded.last_idx`,
    [
      JSON.stringify(
        cases.map((c) => ({
          case_no: c.caseNo, matter_code: c.matterCode, matter_name: c.matterName, applicant: c.applicant, accepting_department: c.acceptingDepartment,
          hall: c.hall, legal_limit_days: c.legalLimitDays, accepted_at: c.acceptedAt, accepted_on: c.acceptedOn, status: c.status, due_on: c.dueOn,
          completed_on: c.completedOn, working_days: c.workingDays, first_idx: c.firstIdx, last_idx: c.lastIdx,
        })),
      ),
    ],
  );
  // Each branch carries its case's acceptance day, matter and status (the statistics read branches alone).
  const branches = cases.flatMap((c) => c.branches.map((b) => ({ case_no: c.caseNo, ...b, accepted_on: c.acceptedOn, matter_code: c.matterCode, case_status: c.status })));
  await db.query(
    `INSERT INTO case_branches (case_no, department, status, required, suspensions, due_on, completed_on, working_days, opened_idx, accepted_on, matter_code, case_status)
     SELECT case_no, department, status, required, suspensions, "dueOn", "completedOn", "workingDays", "openedIdx", accepted_on, matter_code, case_status
     FROM jsonb_to_recordset($1::jsonb) AS x(case_no text, department text, status text, required boolean, suspensions jsonb, "dueOn" date, "completedOn" date,
       "workingDays" integer, "openedIdx" bigint, accepted_on date, matter_code text, case_status text)
     ON CONFLICT (case_no, department) DO UPDATE SET status = excluded.status, suspensions = excluded.suspensions, due_on = excluded.due_on,
       completed_on = excluded.completed_on, working_days = excluded.working_days, case_status = excluded.case_status`,
    [JSON.stringify(branches)],
  );
}
