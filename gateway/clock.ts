/** Time source, injected everywhere time matters so tests are deterministic. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2026-03-02T09:30:00+08:00') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(at: Date | string): void {
    this.t = new Date(at).getTime();
  }
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/** The last second formatTime formatted, and its text up to the milliseconds ("2026-03-02T09:30:00."). */
let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * RFC 3339 in China Standard Time, e.g. 2026-03-02T09:30:00.000+08:00 (API convention).
 * Every push formats a few times within the same second, so the text up to the second
 * is kept and only the milliseconds are written again (an invalid time still throws
 * RangeError, as toISOString does).
 */
export function formatTime(d: Date | string | number): string {
  const ms = new Date(d).getTime();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000 + SHANGHAI_OFFSET_MS).toISOString();
    if (iso.length !== 24) return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().replace('Z', '+08:00'); // a year outside 0000–9999
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const milli = ms - second * 1000;
  return cachedPrefix + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli + '+08:00';
}
