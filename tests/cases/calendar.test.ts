import { WorkingCalendar, chinaDate } from '../../gateway/cases/calendar';
import { GatewayError } from '../../gateway/errors';

/*
 * Expected due dates are counted by hand from the State Council schedules:
 * 2025 春节 1/28–2/4 off, 1/26 (Sun) and 2/8 (Sat) worked; 2025 国庆 10/1–10/8 off, 9/28 (Sun) and 10/11 (Sat) worked;
 * 2026 春节 2/15–2/23 off, 2/14 (Sat) and 2/28 (Sat) worked; 2026 国庆 10/1–10/7 off, 9/20 (Sun) and 10/10 (Sat) worked.
 * 2026 中秋节 9/25 (Fri) off. The acceptance day is not counted.
 */
const calendar = new WorkingCalendar();

describe('working-day limits on the official calendar', () => {
  test.each([
    // 2025 Spring Festival
    ['2025-01-24', 3, '2025-02-05', 'day before the weekend before: the 1/26 make-up Sunday counts'],
    ['2025-01-27', 5, '2025-02-10', 'the day before: 2/8 make-up Saturday counts, 2/9 Sunday does not'],
    ['2025-01-30', 3, '2025-02-07', 'during the holiday'],
    ['2025-02-05', 3, '2025-02-08', 'after: ends on the make-up Saturday'],
    // 2026 Spring Festival
    ['2026-02-13', 2, '2026-02-24', 'the day before: 2/14 make-up Saturday, then nine days off'],
    ['2026-02-18', 5, '2026-02-28', 'during: ends on the 2/28 make-up Saturday'],
    ['2026-02-24', 10, '2026-03-09', 'after'],
    // 2025 National Day
    ['2025-09-26', 1, '2025-09-28', 'the 9/28 make-up Sunday'],
    ['2025-09-30', 5, '2025-10-14', 'the day before: 10/11 make-up Saturday counts'],
    ['2025-10-05', 2, '2025-10-10', 'during'],
    // 2026 National Day
    ['2026-09-30', 20, '2026-11-03', 'the day before, a 20-day limit'],
    ['2026-10-03', 3, '2026-10-10', 'during: ends on the 10/10 make-up Saturday'],
    ['2026-10-08', 1, '2026-10-09', 'after'],
    ['2026-10-08', 2, '2026-10-10', 'after, onto the make-up Saturday'],
    ['2026-03-02', 0, '2026-03-02', '即办: the acceptance day'],
  ])('accepted %s, %i working days → due %s (%s)', (accepted, limit, due) => {
    expect(calendar.dueDate(accepted, limit)).toBe(due);
    // The due day itself is the limit-th working day used.
    expect(calendar.workingDaysUsed(accepted, due)).toBe(limit);
  });

  test('a 补正 suspension spanning National Day 2026 stops the clock from the request to the supply', () => {
    // Accepted Mon 9/14, 10 days. Counted: 9/15, 9/16, 9/17 (request day). Suspended 9/18–10/9 (the 9/20 make-up Sunday
    // is inside it). From 10/10: 10/10 (Sat, make-up) 4, 10/12–10/16 5–9, 10/19 10.
    const suspensions = [{ from: '2026-09-17', to: '2026-10-09' }];
    // Without it: 9/15–9/18 1–4, 9/20 (make-up Sunday) 5, 9/21–9/24 6–9, 9/25 is 中秋节 (off), 9/28 10.
    expect(calendar.dueDate('2026-09-14', 10)).toBe('2026-09-28');
    expect(calendar.dueDate('2026-09-14', 10, suspensions)).toBe('2026-10-19');
    expect(calendar.workingDaysUsed('2026-09-14', '2026-10-12', suspensions)).toBe(5);
    // Still waiting for the applicant: no due date can be promised; the days used stop at the request.
    const open = [{ from: '2026-09-17', to: null }];
    expect(calendar.dueDate('2026-09-14', 10, open)).toBeNull();
    expect(calendar.workingDaysUsed('2026-09-14', '2026-10-20', open)).toBe(3);
  });

  test('a year the calendar does not cover is refused with a catalogue error, never guessed', () => {
    expect(calendar.covers(2026)).toBe(true);
    expect(calendar.covers(2027)).toBe(false);
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err;
      }
      throw new Error('not refused');
    };
    const err = refused(() => calendar.isWorkday('2027-01-04')) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('GW_ERR_CASE_CALENDAR_UNCOVERED');
    expect(err.detail).toMatch(/2027/);
    // A limit that runs past the end of the covered years fails too, instead of assuming Mon–Fri.
    expect((refused(() => calendar.dueDate('2026-12-25', 10)) as GatewayError).code).toBe('GW_ERR_CASE_CALENDAR_UNCOVERED');
    expect((refused(() => calendar.dueDate('2003-05-06', 1)) as GatewayError).code).toBe('GW_ERR_CASE_CALENDAR_UNCOVERED');
  });

  test('a city adds a local holiday and an extra working day from configuration', () => {
    const city = new WorkingCalendar({ extraHolidays: ['2026-03-05'], extraWorkdays: ['2026-03-07'] });
    expect(calendar.dueDate('2026-03-02', 3)).toBe('2026-03-05');
    expect(city.dueDate('2026-03-02', 3)).toBe('2026-03-06');
    expect(calendar.dueDate('2026-03-06', 1)).toBe('2026-03-09');
    expect(city.dueDate('2026-03-06', 1)).toBe('2026-03-07');
  });

  test('dates are taken in China Standard Time', () => {
    expect(chinaDate('2026-02-13T23:30:00Z')).toBe('2026-02-14');
    expect(chinaDate('2026-02-14T07:59:59+08:00')).toBe('2026-02-14');
  });
});
