import fc from 'fast-check';
import { formatTime } from '../../gateway/clock';

// formatTime keeps the text of the last second it formatted; whatever order times come in,
// it must give what a fresh toISOString in China Standard Time gives, and throw as it throws.
const reference = (d: Date | string | number): string => new Date(new Date(d).getTime() + 8 * 3600_000).toISOString().replace('Z', '+08:00');
const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (err) {
    return `throws ${(err as Error).constructor.name}`;
  }
};

test('the same text as toISOString in +08:00, for any time in any order, across seconds, days and years', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -62_198_755_200_000, max: 253_402_271_999_999 }), { minLength: 1, maxLength: 20 }), (times) => {
      for (const t of times) expect([formatTime(t), formatTime(t + 1), formatTime(t - 1)]).toEqual([reference(t), reference(t + 1), reference(t - 1)]);
    }),
    { numRuns: 500 },
  );
});

test('edges: milliseconds 0, 5, 50, 999, before 1970, the end of a year, other years, strings and Dates, invalid times', () => {
  const cases: Array<Date | string | number> = [
    0, -1, -999, -1000, -1001, 1.7, 999, Date.UTC(2026, 2, 2, 1, 30, 0, 5), Date.UTC(2026, 2, 2, 1, 30, 0, 50),
    '2026-03-02T09:30:00+08:00', new Date('2026-12-31T15:59:59.999Z'), new Date('2026-12-31T16:00:00.000Z'),
    8.64e15, -8.64e15, 253_402_271_999_999 + 1, Date.UTC(12000, 0, 1), Date.UTC(-1, 0, 1), NaN, 'not a time', Infinity,
  ];
  for (const c of cases) expect([c, outcome(() => formatTime(c))]).toEqual([c, outcome(() => reference(c))]);
  expect(formatTime(Date.UTC(2026, 2, 2, 1, 30, 0, 5))).toBe('2026-03-02T09:30:00.005+08:00');
  expect(formatTime(Date.UTC(12000, 0, 1))).toBe('+012000-01-01T08:00:00.000+08:00');
  expect(formatTime(Date.UTC(-1, 0, 1, 0, 0, 0, 42))).toBe('-000001-01-01T08:00:00.042+08:00');
  expect(outcome(() => formatTime(NaN))).toBe('throws RangeError');
});
