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
const charsetName = (encoding: WireEncoding): string => (encoding === 'gbk' ? 'GBK' : 'UTF-8');

/** Thrown when a message names a charset we cannot decode. */
export class CharsetError extends Error {
  override readonly name = 'CharsetError';
}

/** `text/xml; charset="gbk"` → `gbk`. */
function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m ? m[1]!.toLowerCase() : undefined;
}

/** The encoding named in the XML declaration of the bytes, if any (ASCII-compatible encodings only). */
function xmlDeclarationEncoding(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 200).toString('latin1');
  const m = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?\s*<\?xml\s[^?]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The charsets we accept, each decoded strictly (invalid bytes are an error, never
 * U+FFFD), by label → the WHATWG decoder. GB2312 and GBK labels name the GB18030
 * decoder (a superset; senders mislabel freely), as in browsers.
 */
const ACCEPTED: Record<string, 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be'> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  gb18030: 'gb18030',
  'x-gbk': 'gb18030',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
};

/**
 * Decodes a received XML body by the charset it declares (header, then declaration, then
 * BOM, else `fallback`: the endpoint's own wire encoding). Refused (CharsetError): a
 * charset we do not decode strictly, a Content-Type label that contradicts the XML
 * declaration or the BOM (`latin1` over GBK bytes would store mojibake), and bytes that
 * are not valid in the charset — so garbled text is never signed and passed on.
 */
export function decodeXmlBody(bytes: Buffer, contentType?: string, fallback: WireEncoding = 'utf-8'): string {
  const label = charsetFromContentType(contentType);
  const declared = xmlDeclarationEncoding(bytes);
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 'utf-8' : bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined;
  const decoderOf = (name: string, where: string) => {
    const d = ACCEPTED[name];
    if (!d) throw new CharsetError(`unsupported charset "${name}" (${where}); accepted: UTF-8, GBK, GB2312, GB18030`);
    return d;
  };
  const fromLabel = label === undefined ? undefined : decoderOf(label, 'Content-Type');
  const fromDeclaration = declared === undefined ? undefined : decoderOf(declared, 'XML declaration');
  if (fromLabel && fromDeclaration && fromLabel !== fromDeclaration) {
    throw new CharsetError(`the Content-Type charset "${label}" contradicts the XML declaration encoding "${declared}"`);
  }
  const named = fromLabel ?? fromDeclaration;
  if (bom && named && bom !== named) throw new CharsetError(`the charset "${label ?? declared}" contradicts the byte order mark (${bom.toUpperCase()})`);
  const decoder = named ?? bom ?? decoderOf(fallback, 'default');
  try {
    return new TextDecoder(decoder, { fatal: true }).decode(bytes); // strips a BOM
  } catch {
    const name = (label ?? declared ?? bom ?? fallback).toUpperCase();
    throw new CharsetError(`the body is not valid ${name}${label || declared ? '' : ' (no charset was declared)'}`);
  }
}

const DECLARATION = /^\uFEFF?\s*<\?xml\s[^?]*\?>/;

/** Replaces (or adds) the XML declaration so that it names `encoding`. */
function withDeclaration(text: string, encoding: WireEncoding): string {
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
function escapeOutsideGbk(text: string): string {
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
