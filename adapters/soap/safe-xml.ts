/**
 * Safe XML for agency messages: refuse first (xml-scan.ts), then parse with
 * fast-xml-parser configured so that nothing is expanded or typed.
 *
 * parseXml gives a plain object tree: namespace prefixes removed, attributes
 * dropped, every leaf a string (no number parsing: `03` stays `03`), empty
 * elements as '', repeated elements as arrays. Only the five predefined entities
 * and numeric character references are decoded, by our own code (the parser's
 * entity processing is off and DOCTYPE never reaches it).
 */
import { XMLParser } from 'fast-xml-parser';
import type { NativeObject } from '../types';
import { ElementSpan, ScanResult, UnsafeXmlError, scanXml } from './xml-scan';

export { UnsafeXmlError } from './xml-scan';
export type { UnsafeReason } from './xml-scan';

export interface XmlLimits {
  /** Largest accepted document, in bytes as received (or UTF-8 bytes of the text). */
  maxBytes: number;
  /** Deepest accepted element nesting (the root is depth 1). */
  maxDepth: number;
}

/** Enough for any case record or status event with its material list; far below anything harmful. */
export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({ maxBytes: 2 * 1024 * 1024, maxDepth: 32 });

/**
 * Refuses DOCTYPE/ENTITY declarations, undeclared entity references, documents
 * over `maxBytes` or nested deeper than `maxDepth`, and malformed XML, with an
 * UnsafeXmlError whose message says what and where. Returns the scan (root span,
 * CDATA sections) for callers that need positions.
 */
export function assertSafeXml(
  text: string,
  limits: XmlLimits = DEFAULT_XML_LIMITS,
  opts: { byteLength?: number; onElement?: (span: ElementSpan) => void } = {},
): ScanResult {
  const size = opts.byteLength ?? Buffer.byteLength(text, 'utf8');
  if (size > limits.maxBytes) {
    throw new UnsafeXmlError('too-large', `document of ${size} bytes exceeds the limit of ${limits.maxBytes} bytes`);
  }
  return scanXml(text, limits.maxDepth, opts.onElement);
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the predefined entities and numeric character references (the scan already refused anything else). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/g, (_m, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name ? PREDEFINED[name]! : String.fromCodePoint(dec !== undefined ? Number(dec) : parseInt(hex!, 16)),
  );
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** CDATA sections rewritten as escaped text, so one decoding rule applies to all character data. */
function withoutCdata(text: string, cdata: ScanResult['cdata']): string {
  if (cdata.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of cdata) {
    out += text.slice(at, start) + escapeText(text.slice(start + 9, end - 3));
    at = end;
  }
  return out + text.slice(at);
}

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  commentPropName: false,
  jPath: false, // callbacks get a matcher, not a path string built per tag (~1.5× faster)
  tagValueProcessor: (_name: string, value: string) => decodeEntities(value),
});

/**
 * Checks `text` with assertSafeXml, then parses it: `{ rootLocalName: content }`.
 * Throws UnsafeXmlError for anything refused or malformed.
 */
export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS, opts: { byteLength?: number } = {}): NativeObject {
  const scan = assertSafeXml(text, limits, opts);
  return parseScanned(text, scan);
}

/** Parses a document that already passed assertSafeXml (its scan result in hand). */
export function parseScanned(text: string, scan: ScanResult): NativeObject {
  try {
    return parser.parse(withoutCdata(text, scan.cdata)) as NativeObject;
  } catch (e) {
    throw new UnsafeXmlError('malformed', `XML could not be parsed: ${(e as Error).message}`);
  }
}
