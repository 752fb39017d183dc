/**
 * Safe XML for agency messages: the gate (xml-scan.ts) refuses first and, in the same
 * single linear pass, builds the tree (fast-xml-parser, used before, took time
 * quadratic in the length of a text node: 1.6 MB of text, a quarter of a second).
 *
 * parseXml gives a plain object tree: namespace prefixes removed, attributes
 * dropped, every leaf a string (no number parsing: `03` stays `03`), text trimmed,
 * empty elements as '', repeated elements as arrays, mixed content's text as `#text`.
 * Only the five predefined entities and numeric character references are decoded;
 * nothing is ever expanded (DOCTYPE is refused).
 */
import type { NativeObject } from '../types';
import { ElementSpan, ScanLimits, ScanResult, UnsafeXmlError, localName, scanXml } from './xml-scan';

export { UnsafeXmlError, decodeEntities } from './xml-scan';
export type { UnsafeReason } from './xml-scan';

export interface XmlLimits extends ScanLimits {
  /** Largest accepted document, in bytes as received (or UTF-8 bytes of the text). */
  maxBytes: number;
}

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
  opts: { byteLength?: number; onElement?: (span: ElementSpan) => void; build?: boolean } = {},
): ScanResult {
  const l = limits === DEFAULT_XML_LIMITS ? DEFAULT_XML_LIMITS : xmlLimits(limits);
  const size = opts.byteLength ?? Buffer.byteLength(text, 'utf8');
  if (size > l.maxBytes) {
    throw new UnsafeXmlError('too-large', `document of ${size} bytes exceeds the limit of ${l.maxBytes} bytes`);
  }
  return scanXml(text, l, opts.onElement, { build: opts.build });
}

/**
 * Checks `text` with assertSafeXml and reads it in the same single pass:
 * `{ rootLocalName: content }`. Throws UnsafeXmlError for anything refused or malformed.
 */
export function parseXml(text: string, limits: Partial<XmlLimits> = DEFAULT_XML_LIMITS, opts: { byteLength?: number } = {}): NativeObject {
  const root = assertSafeXml(text, limits, { ...opts, build: true }).root;
  return { [localName(root.qname)]: root.value! };
}
