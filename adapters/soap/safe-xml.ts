/**
 * Safe XML for agency messages: the gate (xml-scan.ts) refuses first, in one linear
 * pass with counters; then fast-xml-parser 5 reads what passed, configured so that
 * nothing is expanded or typed (entity processing off; DOCTYPE never reaches it). The
 * gate bounds every text run, CDATA section and attribute value (maxTextLength):
 * fast-xml-parser's time grows faster than linearly with one text node's length
 * (1.6 MB of text took a quarter of a second), so no node it sees is long.
 *
 * parseXml gives a plain object tree: namespace prefixes removed, attributes
 * dropped, every leaf a string (no number parsing: `03` stays `03`), text trimmed,
 * empty elements as '', repeated elements as arrays, mixed content's text as `#text`.
 * Only the five predefined entities and numeric character references are decoded;
 * nothing is ever expanded (DOCTYPE is refused).
 */
import { XMLParser } from 'fast-xml-parser';
import type { NativeObject } from '../types';
import { ElementSpan, ScanResult, UnsafeXmlError, XmlLimits, decodeEntities, scanXml } from './xml-scan';

export { UnsafeXmlError } from './xml-scan';
export type { XmlLimits } from './xml-scan';

/**
 * Enough for any case record or status event with its material list (a few hundred
 * elements); far below anything harmful: at these limits the gate and the parser
 * together take a few milliseconds (README, "XML gate").
 */
export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxBytes: 2 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 20_000,
  maxAttributes: 20_000,
  maxAttributesPerElement: 64,
  maxTextNodes: 20_000,
  maxNameLength: 256,
  maxTextLength: 256 * 1024,
});

/** Limits with the defaults filled in. */
export const xmlLimits = (limits: Partial<XmlLimits> = {}): XmlLimits => ({ ...DEFAULT_XML_LIMITS, ...limits });

/**
 * The gate in front of every XML parser (the tree, node-soap's sax parse, the UsernameToken check): refuses
 * documents over `maxBytes` (before looking at them), then scans once (scanXml): no
 * DOCTYPE/ENTITY declarations, undeclared entity references, counts over the limits or
 * malformed XML; an UnsafeXmlError says what and where. Returns the scan (root span,
 * CDATA sections) for callers that need positions.
 */
export function assertSafeXml(
  text: string,
  limits: Partial<XmlLimits> = DEFAULT_XML_LIMITS,
  opts: { byteLength?: number; onElement?: (span: ElementSpan) => void } = {},
): ScanResult {
  const l = limits === DEFAULT_XML_LIMITS ? DEFAULT_XML_LIMITS : xmlLimits(limits);
  const size = opts.byteLength ?? Buffer.byteLength(text, 'utf8');
  if (size > l.maxBytes) {
    throw new UnsafeXmlError('too-large', `document of ${size} bytes exceeds the limit of ${l.maxBytes} bytes`);
  }
  return scanXml(text, l, opts.onElement);
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** text[from, to) with its CDATA sections rewritten as escaped text, so one decoding rule applies to all character data. */
function withoutCdata(text: string, cdata: ScanResult['cdata'], from = 0, to = text.length): string {
  let out = '';
  let at = from;
  for (const [start, end] of cdata) {
    if (start < from || end > to) continue;
    out += text.slice(at, start) + escapeText(text.slice(start + 9, end - 3));
    at = end;
  }
  return out + text.slice(at, to);
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

function parseText(text: string): NativeObject {
  try {
    return parser.parse(text) as NativeObject;
  } catch (e) {
    throw new UnsafeXmlError('malformed', `XML could not be parsed: ${(e as Error).message}`);
  }
}

/**
 * Checks `text` with assertSafeXml, then parses it: `{ rootLocalName: content }`.
 * Throws UnsafeXmlError for anything refused or malformed.
 */
export function parseXml(text: string, limits: Partial<XmlLimits> = DEFAULT_XML_LIMITS, opts: { byteLength?: number } = {}): NativeObject {
  const scan = assertSafeXml(text, limits, opts);
  return parseText(withoutCdata(text, scan.cdata));
}

/** Parses one element of a scanned document on its own: `{ localName: content }` (prefixes need no declarations: they are stripped). */
export function parseSpan(text: string, span: ElementSpan, cdata: ScanResult['cdata']): NativeObject {
  return parseText(withoutCdata(text, cdata, span.start, span.end));
}
