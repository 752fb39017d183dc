/**
 * Which characters a native text may hold: XML 1.0 characters always, and for a GBK agency
 * only characters that GBK encodes (an encoder would otherwise silently write '?').
 */

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (lone surrogates are not).
const NON_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first character that XML 1.0 cannot carry, or undefined. */
export function firstNonXmlChar(text: string): string | undefined {
  return NON_XML.exec(text)?.[0];
}

let gbkSet: Set<string> | undefined;

/**
 * Every character of the 2-byte GBK table, built once from the platform's GBK decoder.
 * Private-use characters (GBK's user-defined areas) are left out: their meaning differs
 * from system to system and GBK tables disagree on them.
 */
function gbkChars(): Set<string> {
  if (gbkSet) return gbkSet;
  const bytes: number[] = [];
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) bytes.push(lead, trail, 0x0a);
  }
  const set = new Set<string>();
  for (const ch of new TextDecoder('gbk').decode(Uint8Array.from(bytes)).split('\n')) {
    if (ch.length !== 1 || ch === '\uFFFD') continue;
    const cp = ch.charCodeAt(0);
    if (cp >= 0xe000 && cp <= 0xf8ff) continue;
    set.add(ch);
  }
  gbkSet = set;
  return set;
}

/** The first character GBK cannot encode, or undefined. ASCII is always encodable. */
export function firstNonGbkChar(text: string): string | undefined {
  // Fast path: ASCII-only text.
  if (!/[^\x00-\x7f]/.test(text)) return undefined;
  const set = gbkChars();
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) continue;
    if (!set.has(ch)) return ch;
  }
  return undefined;
}

/** `"𠮷" (U+20BB7)`: a character named so that invisible ones can be found. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0xd800 && cp <= 0xdfff);
  return printable ? `${JSON.stringify(ch)} (U+${hex})` : `U+${hex}`;
}
