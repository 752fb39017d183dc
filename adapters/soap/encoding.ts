/**
 * Character encodings at the SOAP edge. Inside the gateway every string is UTF-8
 * text; on the wire an agency may want GBK. Encoding sets the XML declaration to
 * match the bytes; decoding follows what the message says about itself (the
 * Content-Type charset first, then the XML declaration, then a BOM, else UTF-8).
 */
import iconv from 'iconv-lite';

export type SoapVersion = '1.1' | '1.2';
export type WireEncoding = 'utf-8' | 'gbk';

/** The name written in declarations and Content-Type headers. */
export const charsetName = (encoding: WireEncoding): string => (encoding === 'gbk' ? 'GBK' : 'UTF-8');

/** Thrown when a message names a charset we cannot decode. */
export class CharsetError extends Error {
  override readonly name = 'CharsetError';
}

/** `text/xml; charset="gbk"` → `gbk`. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The encoding named in the XML declaration of the bytes, if any (ASCII-compatible encodings only). */
export function xmlDeclarationEncoding(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 200).toString('latin1');
  const m = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Charsets decoded strictly (invalid bytes are an error, never U+FFFD): the ones agencies use. */
const STRICT = new Set(['utf-8', 'utf8', 'gbk', 'gb18030']);

/**
 * Decodes a received XML body by the charset it declares (header, then declaration, then
 * BOM, else `fallback`: the endpoint's own wire encoding). Bytes that are not valid in that
 * charset are refused (CharsetError) rather than replaced, so garbled text is never signed
 * and passed on.
 */
export function decodeXmlBody(bytes: Buffer, contentType?: string, fallback: WireEncoding = 'utf-8'): string {
  let charset = charsetFromContentType(contentType) ?? xmlDeclarationEncoding(bytes);
  if (!charset && bytes[0] === 0xff && bytes[1] === 0xfe) charset = 'utf-16le';
  if (!charset && bytes[0] === 0xfe && bytes[1] === 0xff) charset = 'utf-16be';
  charset ??= fallback;
  if (charset === 'gb2312') charset = 'gbk'; // GBK is a superset; senders mislabel freely
  if (!iconv.encodingExists(charset)) throw new CharsetError(`unsupported charset "${charset}"`);
  if (STRICT.has(charset)) {
    try {
      return new TextDecoder(charset, { fatal: true }).decode(bytes); // strips a BOM
    } catch {
      throw new CharsetError(`the body is not valid ${charset.toUpperCase()}${charsetFromContentType(contentType) || xmlDeclarationEncoding(bytes) ? '' : ' (no charset was declared)'}`);
    }
  }
  return iconv.decode(bytes, charset); // strips a BOM
}

const DECLARATION = /^\uFEFF?\s*<\?xml\s[^?]*\?>/;

/** Replaces (or adds) the XML declaration so that it names `encoding`. */
export function withDeclaration(text: string, encoding: WireEncoding): string {
  const decl = `<?xml version="1.0" encoding="${charsetName(encoding)}"?>`;
  return DECLARATION.test(text) ? text.replace(DECLARATION, decl) : decl + text;
}

const gbkRepresentable = new Map<number, boolean>();
const inGbk = (cp: number): boolean => {
  let ok = gbkRepresentable.get(cp);
  if (ok === undefined) {
    const ch = String.fromCodePoint(cp);
    ok = iconv.decode(iconv.encode(ch, 'gbk'), 'gbk') === ch;
    gbkRepresentable.set(cp, ok);
  }
  return ok;
};

/**
 * Characters GBK lacks (e.g. CJK Extension B such as 𠀀) become numeric character
 * references, so nothing is silently turned into `?`. (Inside a CDATA section such a
 * reference would be read literally; our messages carry no CDATA.)
 */
export function escapeOutsideGbk(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 || inGbk(cp) ? ch : `&#x${cp.toString(16).toUpperCase()};`;
  }
  return out;
}

/** Text → wire bytes in `encoding`, with a matching XML declaration. */
export function encodeXmlBody(text: string, encoding: WireEncoding): { text: string; bytes: Buffer } {
  if (encoding === 'gbk') {
    const declared = withDeclaration(escapeOutsideGbk(text), 'gbk');
    return { text: declared, bytes: iconv.encode(declared, 'gbk') };
  }
  const declared = withDeclaration(text, 'utf-8');
  return { text: declared, bytes: Buffer.from(declared, 'utf8') };
}

/** SOAP 1.1: `text/xml; charset=…`; SOAP 1.2: `application/soap+xml; charset=…; action="…"`. */
export function soapContentType(version: SoapVersion, encoding: WireEncoding, action?: string): string {
  const charset = charsetName(encoding);
  if (version === '1.1') return `text/xml; charset=${charset}`;
  return `application/soap+xml; charset=${charset}` + (action ? `; action="${action}"` : '');
}

/** Does the string survive a round trip through GBK unchanged? (Fixture and test helper.) */
export const roundTripsGbk = (text: string): boolean => iconv.decode(iconv.encode(text, 'gbk'), 'gbk') === text;
