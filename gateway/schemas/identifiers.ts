/**
 * Chinese identifier checks and masking. Pure functions, no I/O.
 *
 * - 居民身份证号码 (resident ID number), GB 11643-1999: 17 digits + check char.
 *   Check: S = Σ a_i·W_i (W = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, i.e. 2^(17-i) mod 11),
 *   check char = "10X98765432"[S mod 11]. Equivalent (ISO 7064 MOD 11-2) form:
 *   Σ_{i=1..18} a_i·2^(18-i) ≡ 1 (mod 11), with X = 10.
 * - 统一社会信用代码 (unified social credit code, USCC), GB 32100-2015: 17 chars + check char
 *   over the 31-char alphabet below. Check: c = 31 − (Σ v_i·W_i mod 31), 31 → 0,
 *   W_i = 3^i mod 31. Equivalent form: Σ v_i·W_i + c ≡ 0 (mod 31).
 *
 * Both are personal / sensitive data (个人信息保护法): use the mask* helpers before
 * logging or showing them to roles that do not need them.
 */

const ID_WEIGHTS: readonly number[] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';
const ID_BODY_RE = /^\d{17}$/;
const ID_RE = /^\d{17}[\dX]$/;

/** GB 32100-2015 code alphabet: digits + uppercase letters without I, O, S, V, Z. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS: readonly number[] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const USCC_BODY_RE = /^[0-9A-HJ-NP-RTUW-Y]{17}$/;
const USCC_RE = /^[0-9A-HJ-NP-RTUW-Y]{18}$/;

const MIN_BIRTH = 19000101;
const MAX_BIRTH = 21001231;

// ---------------------------------------------------------------------------
// 居民身份证号码
// ---------------------------------------------------------------------------

/** Check character ('0'-'9' or 'X') for the first 17 digits of an ID number. Throws on bad input. */
export function idNumberCheckDigit(first17: string): string {
  if (!ID_BODY_RE.test(first17)) {
    throw new RangeError('idNumberCheckDigit: expected exactly 17 ASCII digits');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARS[sum % 11]!;
}

/** True if YYYYMMDD is a real Gregorian calendar date within 1900-01-01 … 2100-12-31. */
export function isValidBirthDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const n = Number(yyyymmdd);
  if (n < MIN_BIRTH || n > MAX_BIRTH) return false;
  const y = Math.floor(n / 10000);
  const m = Math.floor(n / 100) % 100;
  const d = n % 100;
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= daysInMonth(y, m);
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Validates an 18-character resident ID number: shape (17 digits + digit or uppercase 'X';
 * lowercase 'x' is rejected), region prefix starting with 1-9 (loose GB/T 2260 sanity check,
 * not a lookup), birth date (positions 7-14) a real date in 1900-2100, and the check char.
 */
export function isValidIdNumber(s: string): boolean {
  if (typeof s !== 'string' || !ID_RE.test(s)) return false;
  if (s[0] === '0') return false;
  if (!isValidBirthDate(s.slice(6, 14))) return false;
  return idNumberCheckDigit(s.slice(0, 17)) === s[17];
}

// ---------------------------------------------------------------------------
// 统一社会信用代码
// ---------------------------------------------------------------------------

/** Check character for the first 17 characters of a USCC. Throws on bad input. */
export function usccCheckChar(first17: string): string {
  if (!USCC_BODY_RE.test(first17)) {
    throw new RangeError(`usccCheckChar: expected 17 characters of ${USCC_ALPHABET}`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return USCC_ALPHABET[c === 31 ? 0 : c]!;
}

/** True if s is 18 characters of the USCC alphabet (check character NOT verified). */
export function usccShape(s: string): boolean {
  return typeof s === 'string' && USCC_RE.test(s);
}

/** True if s has the USCC shape and a correct GB 32100-2015 check character. */
export function isValidUscc(s: string): boolean {
  return usccShape(s) && usccCheckChar(s.slice(0, 17)) === s[17];
}

// ---------------------------------------------------------------------------
// Masking
// ---------------------------------------------------------------------------

function maskMiddle(s: string, keepHead: number, keepTail: number): string {
  if (s.length <= keepHead + keepTail) return '*'.repeat(s.length);
  return s.slice(0, keepHead) + '*'.repeat(s.length - keepHead - keepTail) + s.slice(s.length - keepTail);
}

/** 110105194912310021 → 110105********0021 (first 6 and last 4 kept). Short input is fully masked. */
export function maskIdNumber(s: string): string {
  return maskMiddle(s, 6, 4);
}

/** 13812345678 → 138****5678 (first 3 and last 4 kept). Short input is fully masked. */
export function maskPhone(s: string): string {
  return maskMiddle(s, 3, 4);
}

// ID-shaped runs of exactly 18 characters not embedded in a longer digit run. Lowercase 'x'
// is masked too: it is not a valid ID number, but it is still someone's ID number.
const ID_IN_TEXT_RE = /(?<!\d)\d{17}[\dXx](?!\d)/g;
// Mainland mobile numbers, optionally prefixed by +86 / 86 (prefix kept), not inside longer digit runs.
const PHONE_IN_TEXT_RE = /(?<!\d)((?:\+?86[- ]?)?)(1[3-9]\d{9})(?!\d)/g;

/**
 * Masks every 18-char ID number (`\d{17}[\dX]`) and 11-digit mainland mobile number
 * (`1[3-9]\d{9}`) found inside free text (log lines, JSON bodies). Anything ID-shaped is
 * masked whether or not its check digit is right: over-masking is the safe failure.
 */
export function maskPersonalData(text: string): string {
  return text
    .replace(ID_IN_TEXT_RE, (m) => maskIdNumber(m))
    .replace(PHONE_IN_TEXT_RE, (_m, prefix: string, phone: string) => prefix + maskPhone(phone));
}
