import officialDays from 'chinese-days/dist/chinese-days.json';
import { GatewayError } from '../errors';

/**
 * Working days on the Chinese official calendar (国务院办公厅 holiday schedules, as
 * published in `chinese-days`, pinned): weekends are rest days, public holidays are
 * rest days, 调休 make-up days (a Saturday or Sunday worked) are working days. A city
 * may add local holidays or extra working days from configuration.
 *
 * Pure: dates are 'YYYY-MM-DD' in China Standard Time, passed in; nothing reads a clock.
 * A day in a year the calendar does not cover is refused (GW_ERR_CASE_CALENDAR_UNCOVERED),
 * never guessed from the weekday: the State Council publishes each year's schedule in
 * the autumn before, and a due date computed without it could be wrong by a week.
 *
 * Legal limits (承诺时限) count working days after the acceptance day (民法典 art. 201:
 * the start day is not counted); days inside a suspension (补正, 特别程序) are not counted.
 */

/** A suspension of the clock: days after `from` up to and including `to` are not counted; `to` null = still suspended. */
export interface Suspension {
  from: string;
  to: string | null;
  /** What stopped the clock (absent on suspensions projected before 特别程序 existed: 补正). */
  reason?: 'correction' | 'special_procedure';
}

export interface CalendarOverrides {
  /** Local holidays (YYYY-MM-DD): rest days even when the official calendar says work. */
  extraHolidays: readonly string[];
  /** Local working days (YYYY-MM-DD): working days even on a weekend or official holiday. */
  extraWorkdays: readonly string[];
}

const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86_400_000;
/** More than a year of calendar days for one limit (max 365 working days + holidays): a runaway loop guard. */
const MAX_SCAN_DAYS = 800;

/** The China Standard Time date (YYYY-MM-DD) of an instant. */
export function chinaDate(at: Date | string): string {
  return new Date(new Date(at).getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

const nextDay = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

export class WorkingCalendar {
  private readonly holidays: ReadonlySet<string>;
  private readonly workdays: ReadonlySet<string>;
  private readonly localHolidays: ReadonlySet<string>;
  private readonly localWorkdays: ReadonlySet<string>;
  /** Years the official data covers (a year with at least one published holiday). */
  readonly years: readonly number[];

  constructor(overrides: CalendarOverrides = { extraHolidays: [], extraWorkdays: [] }) {
    this.holidays = new Set(Object.keys(officialDays.holidays));
    this.workdays = new Set(Object.keys(officialDays.workdays));
    this.localHolidays = new Set(overrides.extraHolidays);
    this.localWorkdays = new Set(overrides.extraWorkdays);
    this.years = [...new Set([...this.holidays].map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b);
  }

  covers(year: number): boolean {
    return this.years.includes(year);
  }

  /** Whether `date` is a working day; refuses a date in a year the calendar does not cover. */
  isWorkday(date: string): boolean {
    const year = Number(date.slice(0, 4));
    if (!this.covers(year)) {
      throw new GatewayError(
        'GW_ERR_CASE_CALENDAR_UNCOVERED',
        `the official working-day calendar has no schedule for ${year} (covered: ${this.years[0]}–${this.years[this.years.length - 1]}); update chinese-days or configure the year's days`,
      );
    }
    if (this.localWorkdays.has(date)) return true;
    if (this.localHolidays.has(date)) return false;
    if (this.workdays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }

  /** Whether the clock is running on `date` (not inside a suspension). */
  private counted(date: string, suspensions: readonly Suspension[]): boolean {
    return !suspensions.some((s) => date > s.from && (s.to === null || date <= s.to)) && this.isWorkday(date);
  }

  /**
   * The due date of a limit of `limitDays` working days accepted on `accepted`: the
   * limit-th counted working day after it (0 = 即办: the acceptance day). Null while a
   * suspension is open (the clock is stopped; no date can be promised).
   */
  dueDate(accepted: string, limitDays: number, suspensions: readonly Suspension[] = []): string | null {
    if (limitDays === 0) return accepted;
    if (suspensions.some((s) => s.to === null)) return null;
    let date = accepted;
    for (let n = 0, scanned = 0; n < limitDays; scanned++) {
      if (scanned > MAX_SCAN_DAYS + limitDays * 2) throw new Error(`no due date within ${scanned} days of ${accepted}`);
      date = nextDay(date);
      if (this.counted(date, suspensions)) n++;
    }
    return date;
  }

  /** Counted working days after `accepted` up to and including `until` (0 when until ≤ accepted). */
  workingDaysUsed(accepted: string, until: string, suspensions: readonly Suspension[] = []): number {
    let n = 0;
    for (let date = nextDay(accepted); date <= until; date = nextDay(date)) if (this.counted(date, suspensions)) n++;
    return n;
  }
}

/** `compute()`, or `otherwise` when it needs a year the calendar does not cover (a reader that can say "unknown"). */
export function unlessUncovered<T>(compute: () => T, otherwise: T): T {
  try {
    return compute();
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'GW_ERR_CASE_CALENDAR_UNCOVERED') return otherwise;
    throw err;
  }
}

/** /readyz warnings: the current or the next year (China Standard Time) missing from the calendar. */
export function calendarWarnings(calendar: WorkingCalendar, now: Date): string[] {
  const year = Number(chinaDate(now).slice(0, 4));
  return [year, year + 1]
    .filter((y) => !calendar.covers(y))
    .map((y) => `GW_ERR_CASE_CALENDAR_UNCOVERED: the official working-day calendar has no schedule for ${y}; case deadlines in ${y} cannot be computed (update chinese-days)`);
}
