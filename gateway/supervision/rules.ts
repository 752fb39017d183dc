import { unlessUncovered, type Suspension, type WorkingCalendar } from '../cases/calendar';

/**
 * 电子监察 cards, as rules over a branch's due date (pure; dates are China Standard Time
 * 'YYYY-MM-DD', passed in). A branch whose clock runs (no open 补正: its due date is
 * known) gets
 *   预警 黄牌 ('warning') from the day it has `warningDays` working days or fewer left, i.e.
 *                        its due date is no later than the warningDays-th working day after today;
 *   超时 红牌 ('overdue') from the first day after its due date.
 * A run long after the warning window (downtime) raises the red card only: a yellow card
 * for a case already over its limit would tell nobody anything.
 */
export type CardKind = 'warning' | 'overdue';
export const CARD_KINDS: readonly CardKind[] = ['warning', 'overdue'];
/** The card's colour as the halls name it. */
export const CARD_NAMES: Record<CardKind, '黄牌' | '红牌'> = { warning: '黄牌', overdue: '红牌' };

/** After every date the calendar can compute: the horizon when the warning window runs past the covered years. */
const END_OF_CALENDAR = '9999-12-31';

/**
 * The last due date warned on `today`: the warningDays-th working day after today (today itself
 * for 0). When that day is in a year the calendar does not cover, every due date it can compute
 * (in covered years) is within the window, so the horizon is open-ended.
 */
export const warningHorizon = (calendar: WorkingCalendar, today: string, warningDays: number): string =>
  unlessUncovered(() => calendar.dueDate(today, warningDays)!, END_OF_CALENDAR);

/** The card a branch due on `dueOn` earns on `today`, given today's warning horizon; null: none yet. */
export function cardKindOn(today: string, dueOn: string, horizon: string): CardKind | null {
  if (dueOn < today) return 'overdue';
  if (dueOn <= horizon) return 'warning';
  return null;
}

/** Working days left on `today` (negative: over the limit); null when the calendar does not cover the days to count. */
export const workingDaysLeft = (calendar: WorkingCalendar, acceptedOn: string, legalLimitDays: number, suspensions: readonly Suspension[], today: string): number | null =>
  unlessUncovered(() => legalLimitDays - calendar.workingDaysUsed(acceptedOn, today, suspensions), null);
