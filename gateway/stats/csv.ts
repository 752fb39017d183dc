import type { CaseStats, StatsRow } from './query';

/**
 * The statistics as CSV (RFC 4180, UTF-8 with a BOM so spreadsheet programs read the
 * Chinese labels): one line per group, then the total; the columns are the JSON fields
 * in order and the numbers are the JSON numbers as JavaScript prints them (an empty cell
 * for null), so the export and the API cannot disagree.
 */
export const CSV_COLUMNS = [
  'key', 'label', 'received', 'completed', 'completionRate', 'onTimeCompleted', 'onTimeRate',
  'avgWorkingDays', 'p90WorkingDays', 'overdueNow', 'refusals', 'returned', 'warningCards', 'overdueCards',
] as const satisfies readonly (keyof StatsRow)[];

/** A cell: quoted when it holds a separator, quote or line break; text a spreadsheet would run as a formula gets a leading '. */
function cell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function statsCsv(stats: CaseStats): string {
  const lines = [CSV_COLUMNS.join(','), ...[...stats.groups, stats.total].map((row) => CSV_COLUMNS.map((c) => cell(row[c])).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
