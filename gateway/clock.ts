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

/** RFC 3339 in China Standard Time, e.g. 2026-03-02T09:30:00.000+08:00 (API convention). */
export function formatTime(d: Date | string | number): string {
  const ms = new Date(d).getTime();
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().replace('Z', '+08:00');
}
