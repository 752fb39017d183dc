/**
 * Date/time conversion between our side (RFC 3339 with offset; `YYYY-MM-DD` for dates) and an
 * agency's wall-clock formats in Asia/Shanghai (UTC+08:00 all year: China has had no DST
 * since 1991). Pure; each function returns undefined for a value it cannot convert, and the
 * caller names the field in the error.
 */
import type { NativeDateFormat } from './spec';

const SHANGHAI_OFFSET_MIN = 8 * 60;

interface WallTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The native formats: a regular expression and which parts it holds. */
const NATIVE: Record<NativeDateFormat, { re: RegExp; time: boolean }> = {
  'yyyy-MM-dd HH:mm:ss': { re: /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/, time: true },
  yyyyMMddHHmmss: { re: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/, time: true },
  yyyyMMdd: { re: /^(\d{4})(\d{2})(\d{2})$/, time: false },
  'yyyy-MM-dd': { re: /^(\d{4})-(\d{2})-(\d{2})$/, time: false },
};

export const isNativeDateFormat = (f: unknown): f is NativeDateFormat => typeof f === 'string' && Object.hasOwn(NATIVE, f);

/** Whether the format carries a time of day (our side is then a date-time, else a date). */
export const formatHasTime = (f: NativeDateFormat): boolean => NATIVE[f].time;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, mo: number): number => (mo === 2 && isLeap(y) ? 29 : DAYS[mo - 1]!);
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function valid(t: WallTime): boolean {
  return t.mo >= 1 && t.mo <= 12 && t.d >= 1 && t.d <= daysInMonth(t.y, t.mo) && t.h <= 23 && t.mi <= 59 && t.s <= 59;
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const p4 = (n: number): string => String(n).padStart(4, '0');

function format(t: WallTime, f: NativeDateFormat): string {
  const date = `${p4(t.y)}${p2(t.mo)}${p2(t.d)}`;
  const time = `${p2(t.h)}${p2(t.mi)}${p2(t.s)}`;
  switch (f) {
    case 'yyyy-MM-dd HH:mm:ss':
      return `${p4(t.y)}-${p2(t.mo)}-${p2(t.d)} ${p2(t.h)}:${p2(t.mi)}:${p2(t.s)}`;
    case 'yyyyMMddHHmmss':
      return date + time;
    case 'yyyyMMdd':
      return date;
    case 'yyyy-MM-dd':
      return `${p4(t.y)}-${p2(t.mo)}-${p2(t.d)}`;
  }
}

/** Shifts a wall time by `minutes` (calendar arithmetic through UTC milliseconds). */
function shift(t: WallTime, minutes: number): WallTime {
  const d = new Date(0);
  d.setUTCFullYear(t.y, t.mo - 1, t.d);
  d.setUTCHours(t.h, t.mi + minutes, t.s, 0);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

/**
 * Our value → the agency's text. A date-time in any offset is converted to Shanghai wall time
 * (fractional seconds are truncated: the agency formats have whole seconds); a date-only format
 * also accepts `YYYY-MM-DD` as is. Undefined when the value is not a valid date(-time) of the
 * kind the format needs.
 */
export function toNativeDate(value: string, f: NativeDateFormat): string | undefined {
  const m = RFC3339.exec(value);
  if (m) {
    const t: WallTime = { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: +m[4]!, mi: +m[5]!, s: +m[6]! };
    if (!valid(t)) return undefined;
    let offset = 0;
    if (m[9]) {
      const oh = +m[10]!;
      const om = +m[11]!;
      if (oh > 23 || om > 59) return undefined;
      offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const local = shift(t, SHANGHAI_OFFSET_MIN - offset);
    if (local.y < 0 || local.y > 9999) return undefined;
    return format(local, f);
  }
  const d = DATE.exec(value);
  if (d && !NATIVE[f].time) {
    const t: WallTime = { y: +d[1]!, mo: +d[2]!, d: +d[3]!, h: 0, mi: 0, s: 0 };
    return valid(t) ? format(t, f) : undefined;
  }
  return undefined;
}

/**
 * The agency's text → our value: `YYYY-MM-DDTHH:mm:ss+08:00`, or `YYYY-MM-DD` for a date-only
 * format. Undefined when the text does not match the format or is not a real date/time.
 */
export function fromNativeDate(text: string, f: NativeDateFormat): string | undefined {
  const m = NATIVE[f].re.exec(text);
  if (!m) return undefined;
  const t: WallTime = { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: +(m[4] ?? 0), mi: +(m[5] ?? 0), s: +(m[6] ?? 0) };
  if (!valid(t)) return undefined;
  const date = `${p4(t.y)}-${p2(t.mo)}-${p2(t.d)}`;
  return NATIVE[f].time ? `${date}T${p2(t.h)}:${p2(t.mi)}:${p2(t.s)}+08:00` : date;
}
