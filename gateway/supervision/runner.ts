import type { Store } from '../store/db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { LogHashAlg } from '../merkle/hash';
import type { PushDeps } from '../exchange/push';
import type { ExchangeWriter } from '../exchange/writer';
import { chinaDate } from '../cases/calendar';
import type { CaseProjector } from '../cases/projector';
import { cardKindOn, warningHorizon, workingDaysLeft } from './rules';
import { dueBranches, pendingNotices, raiseCards, recordNotice, type NewCard, type RaisedCard } from './cards';
import { sendNotice } from './notice';

/** Notices sent per run at most (the rest wait for the next run, oldest first). */
const NOTICES_PER_RUN = 500;

export interface SupervisionOptions {
  /** 预警: a yellow card this many working days before the legal limit. */
  warningDays: number;
  /** Time between runs (a run also happens at start: catching up after downtime). */
  intervalMs: number;
}

export interface SupervisionRun {
  /** Cards this run raised (another runner's cards are not counted). */
  raised: RaisedCard[];
  noticesSent: number;
  noticesFailed: number;
}

/**
 * 电子监察 on a schedule: each run catches the case projection up, evaluates EVERY open
 * branch against the clock's today (not just what changed since the last run, so a gateway
 * that was down raises what fell due meanwhile), raises the missing cards with their log
 * entries in one transaction, then sends the notices still pending (its own and any a crashed
 * runner left). Idempotent across processes by the card table's unique key (cards.ts) and
 * the notices' messageIds (notice.ts). Runs in one process never overlap (coalesced).
 */
export class SupervisionRunner {
  private running: Promise<SupervisionRun> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly listeners: Array<(run: SupervisionRun) => void> = [];

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      cases: CaseProjector;
      alg: LogHashAlg;
      push: PushDeps;
      writer: Pick<ExchangeWriter, 'submit'>;
      log: Logger;
    },
    readonly options: SupervisionOptions,
  ) {}

  /** Runs now (catch-up), then every intervalMs after each run ends. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  /** Called after each scheduled run (tests wait on it; the log line is one such listener). */
  onRun(fn: (run: SupervisionRun) => void): void {
    this.listeners.push(fn);
  }

  /** One run; a call during a run shares it. */
  runOnce(): Promise<SupervisionRun> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runOnce()
        .then((r) => {
          this.deps.log[r.raised.length ? 'info' : 'debug']({ raised: r.raised.length, sent: r.noticesSent, failed: r.noticesFailed }, 'supervision run');
          for (const fn of this.listeners) fn(r);
        })
        .catch((err) => this.deps.log.error({ err }, 'supervision run failed; the next run retries'))
        .finally(() => this.schedule(this.options.intervalMs));
    }, ms);
    this.timer.unref();
  }

  private async run(): Promise<SupervisionRun> {
    const { store, clock, cases, alg } = this.deps;
    await cases.catchUp();
    const now = clock.now();
    const today = chinaDate(now);
    const horizon = warningHorizon(cases.calendar, today, this.options.warningDays);
    const raised = await store.tx(async (db) => {
      const cards: NewCard[] = (await dueBranches(db, today, horizon)).map((b) => ({
        caseNo: b.caseNo,
        department: b.department,
        kind: cardKindOn(today, b.dueOn, horizon)!,
        dueOn: b.dueOn,
        workingDaysLeft: workingDaysLeft(cases.calendar, b.acceptedOn, b.legalLimitDays, b.suspensions, today),
      }));
      return raiseCards(db, alg, now, today, cards);
    });
    let noticesSent = 0;
    let noticesFailed = 0;
    // One warning per department and reason a run (a backlog of cards for an agency that cannot take notices is one line, not hundreds).
    const refused = new Map<string, { to: string; error: string; cards: number; first: { card: string; caseId: string } }>();
    for (const n of await pendingNotices(store, NOTICES_PER_RUN)) {
      const outcome = await sendNotice(this.deps.push, this.deps.writer, n);
      await recordNotice(store, n.id, outcome);
      if ('messageId' in outcome) noticesSent++;
      else {
        noticesFailed++;
        const key = `${n.department}\n${outcome.error}`;
        const seen = refused.get(key);
        if (seen) seen.cards++;
        else refused.set(key, { to: n.department, error: outcome.error, cards: 1, first: { card: n.id, caseId: n.caseNo } });
      }
    }
    for (const r of refused.values()) {
      this.deps.log.warn({ to: r.to, error: r.error, cards: r.cards, card: r.first.card, caseId: r.first.caseId }, 'supervision notice(s) refused; the cards stand');
    }
    return { raised, noticesSent, noticesFailed };
  }
}
