/**
 * A tiny progress display for long CLI checks, on stderr so stdout stays the report:
 * a redrawn bar on a terminal, otherwise a plain line every few seconds (cron, CI logs).
 */
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force the bar (true) or plain lines (false); default: the stream is a TTY. */
  tty?: boolean;
  /** Plain mode: at most one line per this many ms (default 5000). */
  intervalMs?: number;
  unit?: string;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function progress(label: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const interval = tty ? 100 : (opts.intervalMs ?? 5000);
  const unit = opts.unit ?? 'entries';
  const started = Date.now();
  let last = 0;
  let state = { done: 0, total: 0 };
  let drawn: number | null = null; // `done` at the last line drawn

  const line = (): string => {
    const { done, total } = state;
    const secs = Math.max((Date.now() - started) / 1000, 1e-3);
    const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100;
    const counts = `${fmt(done)}/${fmt(total)} ${unit}, ${fmt(done / secs)}/s`;
    if (!tty) return `${label}: ${pct.toFixed(0)}% (${counts})`;
    const width = 28;
    const filled = Math.round((pct / 100) * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}% ${counts}`;
  };
  const draw = (): void => {
    stream.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`);
    drawn = state.done;
  };
  return {
    update(done, total) {
      state = { done, total };
      const now = Date.now();
      if (now - last < interval) return;
      if (!tty && last === 0) {
        last = now; // plain mode: the first line after one interval, not at 0 %
        return;
      }
      last = now;
      draw();
    },
    finish() {
      if (tty) {
        if (drawn !== null || state.total > 0) stream.write(`\r\x1b[2K${line()}\n`);
      } else if (drawn !== null && drawn !== state.done) draw();
    },
  };
}
