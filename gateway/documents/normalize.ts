/**
 * Matching form of a text: traditional → simplified Chinese (OpenCC, opencc-js) and
 * full-width ASCII → half-width (（）：，［］ → ():,[]), U+3000 → space. The result
 * has exactly the length of the input (UTF-16 units), so an offset found in the
 * matching form is the offset of the same characters in the original text: the
 * importer matches on this form and keeps the original.
 */
import { Converter } from 'opencc-js';

type Convert = (s: string) => string;
let t2s: Convert | undefined;
/** Traditional (OpenCC standard) → simplified (mainland), built once on first use. */
const converter = (): Convert => (t2s ??= Converter({ from: 't', to: 'cn' }));

function halfWidth(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\uff01-\uff5e\u3000]/g, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/** Converts code point by code point, keeping any whose conversion changes its length. */
function perCharacter(line: string, convert: Convert): string {
  let out = '';
  for (const ch of line) {
    const c = convert(ch);
    out += c.length === ch.length ? c : ch;
  }
  return out;
}

/** Simplified characters for matching; same length as `text`. */
export function toSimplified(text: string): string {
  const convert = converter();
  const whole = convert(text);
  if (whole.length === text.length) return whole;
  // A phrase conversion changed the length somewhere: redo line by line, and character by character where needed.
  return text
    .split('\n')
    .map((line) => {
      const c = convert(line);
      return c.length === line.length ? c : perCharacter(line, convert);
    })
    .join('\n');
}

/** The matching form: simplified, half-width; same length as `text`. */
export function matchingForm(text: string): string {
  return halfWidth(toSimplified(text));
}
