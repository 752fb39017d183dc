/**
 * Dates as 公文 write them: Arabic (2024年5月8日, 2024年05月08日) or Chinese numerals
 * (二〇〇七年二月一日, 二○一五年七月二十日, 二零二四年十月九日) → YYYY-MM-DD. Pure; every
 * pattern is anchored and bounded (the importer runs them on untrusted text).
 */

/** Digits of a Chinese-numeral year: 〇 (U+3007), ○ (U+25CB), 零, O/o/0 all mean zero. */
const YEAR_DIGITS: Record<string, number> = { '〇': 0, '○': 0, '零': 0, O: 0, o: 0, '0': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9 };
const SMALL: Record<string, number> = { '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9 };

const YEAR_CHARS = '〇○零Oo0一二三四五六七八九';
const SMALL_CHARS = '一二三四五六七八九十';
const DATE_PATTERN = String.raw`(\d{4}|[${YEAR_CHARS}]{4})\s{0,2}年\s{0,2}(\d{1,2}|[${SMALL_CHARS}]{1,3})\s{0,2}月\s{0,2}(\d{1,2}|[${SMALL_CHARS}]{1,3})\s{0,2}日`;

/** A date and nothing else (after trimming). */
const DATE_ONLY = new RegExp(`^${DATE_PATTERN}$`);
/** A date at the very end of a string (the caller bounds the string it passes). */
const DATE_AT_END = new RegExp(`${DATE_PATTERN}$`);

/** 一 … 九十九 (十, 十二, 二十, 二十一, 三十一) → number; undefined when not such a numeral. */
export function chineseSmallNumber(s: string): number | undefined {
  if (/^\d{1,2}$/.test(s)) return Number(s);
  if (s.length === 1) return s === '十' ? 10 : SMALL[s];
  const ten = s.indexOf('十');
  if (ten < 0 || s.indexOf('十', ten + 1) >= 0 || s.length > 3) return undefined;
  const tens = ten === 0 ? 1 : SMALL[s.slice(0, ten)];
  const unitsText = s.slice(ten + 1);
  const units = unitsText === '' ? 0 : SMALL[unitsText];
  if (tens === undefined || units === undefined || (ten > 0 && ten !== 1)) return undefined;
  return tens * 10 + units;
}

function yearOf(s: string): number | undefined {
  if (/^\d{4}$/.test(s)) return Number(s);
  let y = 0;
  for (const ch of s) {
    const d = YEAR_DIGITS[ch];
    if (d === undefined) return undefined;
    y = y * 10 + d;
  }
  return y;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Year, month and day → YYYY-MM-DD if it is a real calendar date (1900-2199), else undefined. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return undefined;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= last ? `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` : undefined;
}

function fromMatch(m: RegExpExecArray): string | undefined {
  const year = yearOf(m[1]!);
  const month = chineseSmallNumber(m[2]!);
  const day = chineseSmallNumber(m[3]!);
  return year === undefined || month === undefined || day === undefined ? undefined : isoDate(year, month, day);
}

/** Longest date text we look at: 4+1+3+1+3+1 characters and a few spaces. */
const MAX_DATE_TEXT = 30;

/** `text` is a date and nothing else → YYYY-MM-DD; else undefined. */
export function parseDate(text: string): string | undefined {
  const s = text.trim();
  if (s.length > MAX_DATE_TEXT) return undefined;
  const m = DATE_ONLY.exec(s);
  return m ? fromMatch(m) : undefined;
}

/** `text` ends with a date: the date and where its text starts; else undefined. */
export function dateAtEnd(text: string): { date: string; index: number } | undefined {
  const s = text.trimEnd();
  const tail = s.slice(Math.max(0, s.length - MAX_DATE_TEXT));
  const m = DATE_AT_END.exec(tail);
  if (!m) return undefined;
  const date = fromMatch(m);
  return date ? { date, index: s.length - tail.length + m.index } : undefined;
}
