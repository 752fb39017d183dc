/** Plain-text helpers for the bench's Markdown tables (pasted into the README as they are), and the percentile they report. */

/** A Markdown table with padded columns; `right(i)` says which columns align right. */
export function markdownTable(rows: string[][], right: (column: number) => boolean): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (right(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ') + ' |';
  const sep = '|' + w.map((n, i) => (right(i) ? '-'.repeat(n + 1) + ':' : ':' + '-'.repeat(n + 1))).join('|') + '|';
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

const finite = (fmt: (n: number) => string) => (n: number) => (Number.isFinite(n) ? fmt(n) : 'n/a');
export const f0 = finite((n) => Math.round(n).toLocaleString('en-US'));
export const f1 = finite((n) => n.toFixed(1));
export const f2 = finite((n) => n.toFixed(2));
export const f3 = finite((n) => n.toFixed(3));

/** The nearest-rank percentile `p` (0–100) of values sorted ascending; NaN when there are none. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN;
