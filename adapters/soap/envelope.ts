/**
 * SOAP envelopes as text: reading one (version, header, the Body's element as
 * written and as a tree, a fault) and writing the few we build ourselves (faults
 * answered before node-soap sees a request, and their node-soap equivalents).
 */
import type { NativeObject, NativeValue } from '../types';
import type { SoapVersion } from './encoding';
import type { FaultInfo } from './errors';
import { DEFAULT_XML_LIMITS, XmlLimits, assertSafeXml, parseSpan } from './safe-xml';
import { ElementSpan, UnsafeXmlError, localName } from './xml-scan';
import { SecurityHeaderSpans, UsernameToken, WSSE_NS } from './wsse';


const SOAP_ENVELOPE_NS: Record<SoapVersion, string> = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};

export interface ParsedEnvelope {
  version: SoapVersion;
  /** Children of soap:Header (prefixes stripped), if there is a header. */
  header?: NativeObject;
  /** The first element inside soap:Body, exactly as written (null for an empty Body). */
  bodyElement: { name: string; text: string } | null;
  /** The children of that element (prefixes stripped, leaves strings). */
  body: NativeObject;
  /** Set when the Body holds a Fault. */
  fault?: FaultInfo;
  /** The WS-Security UsernameToken of the header (OASIS namespaces only), null if there is none or it is ambiguous. */
  usernameToken: UsernameToken | null;
}

const asObject = (v: NativeValue): NativeObject | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as NativeObject) : undefined;
const first = (v: NativeValue): NativeValue => (Array.isArray(v) ? v[0] : v);
/** Text of a leaf that may also have children (mixed content keeps its text in #text). */
const textOf = (v: NativeValue): string => {
  const one = first(v);
  if (one === null || one === undefined) return '';
  if (typeof one === 'object') return textOf((one as NativeObject)['#text']);
  return String(one);
};

/** Reads a SOAP 1.1 or 1.2 fault from the parsed Fault element. */
function readFault(fault: NativeObject): FaultInfo {
  if ('faultcode' in fault || 'faultstring' in fault) {
    return { code: localName(textOf(fault.faultcode)) || 'Server', reason: textOf(fault.faultstring) };
  }
  const code = asObject(first(fault.Code));
  const subcode = code && asObject(first(code.Subcode));
  const reason = asObject(first(fault.Reason));
  return {
    code: localName(textOf(code?.Value)) || 'Receiver',
    ...(subcode && textOf(subcode.Value) ? { subcode: textOf(subcode.Value) } : {}),
    reason: textOf(reason?.Text),
  };
}

/**
 * Checks (assertSafeXml) and reads a SOAP envelope. Throws UnsafeXmlError when the
 * text is refused, malformed, not an Envelope, or in an unknown SOAP namespace.
 * Header and Body count only in the envelope's namespace; only they are parsed
 * into trees (each on its own), from the spans the single scan found.
 */
export function parseEnvelope(text: string, limits: Partial<XmlLimits> = DEFAULT_XML_LIMITS, opts: { byteLength?: number } = {}): ParsedEnvelope {
  /** Children of the Envelope, and the first child of each of them. */
  const parts: ElementSpan[] = [];
  const firstChildren: ElementSpan[] = [];
  let firstChildOf = -1;
  const security = new SecurityHeaderSpans();
  const scan = assertSafeXml(text, limits, {
    ...opts,
    onElement: (span) => {
      if (span.depth === 2) parts.push(span);
      else if (span.depth === 3 && firstChildOf !== parts.length) {
        firstChildOf = parts.length; // (its parent closes after it)
        firstChildren.push(span);
      }
      security.add(span);
    },
  });
  const root = scan.root;
  if (localName(root.qname) !== 'Envelope') throw new UnsafeXmlError('malformed', `not a SOAP envelope: the root element is <${root.qname}>`);
  const version = (Object.keys(SOAP_ENVELOPE_NS) as SoapVersion[]).find((v) => SOAP_ENVELOPE_NS[v] === root.ns);
  if (!version) throw new UnsafeXmlError('malformed', `not a SOAP envelope: unknown envelope namespace ${root.ns ?? '(none)'}`);
  const part = (name: string) => parts.find((s) => s.ns === root.ns && localName(s.qname) === name) ?? null;
  const body = part('Body');
  if (!body) throw new UnsafeXmlError('malformed', 'the SOAP envelope has no Body');
  const headerSpan = part('Header');

  const header = headerSpan ? asObject(parseSpan(text, headerSpan, scan.cdata).Header) : undefined;
  const found = firstChildren.find((s) => s.start > body.start && s.end < body.end) ?? null;
  const bodyElement = found ? { name: localName(found.qname), text: text.slice(found.start, found.end) } : null;
  const content = found ? parseSpan(text, found, scan.cdata)[localName(found.qname)] : undefined;
  const children = asObject(content) ?? {};
  const parsed: ParsedEnvelope = { version, ...(header ? { header } : {}), bodyElement, body: children, usernameToken: security.token(text, headerSpan) };
  if (bodyElement?.name === 'Fault' && found!.ns === root.ns) parsed.fault = readFault(children);
  return parsed;
}

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The fault code for the version: Client↔Sender, Server↔Receiver. */
function versionedCode(version: SoapVersion, code: string): string {
  const map: Record<string, Record<SoapVersion, string>> = {
    client: { '1.1': 'Client', '1.2': 'Sender' },
    sender: { '1.1': 'Client', '1.2': 'Sender' },
    server: { '1.1': 'Server', '1.2': 'Receiver' },
    receiver: { '1.1': 'Server', '1.2': 'Receiver' },
  };
  return map[code.toLowerCase()]?.[version] ?? code;
}

/** SOAP 1.1 answers every fault with 500; SOAP 1.2 answers Sender faults with 400 (its HTTP binding). */
export const faultHttpStatus = (version: SoapVersion, code: string): number =>
  version === '1.2' && versionedCode('1.2', code) === 'Sender' ? 400 : 500;

/** Namespace declaration for a prefixed subcode we know (wsse:…). */
const subcodeNamespace = (subcode: string): string =>
  subcode.startsWith('wsse:') ? ` xmlns:wsse="${WSSE_NS}"` : '';

/** A complete fault envelope (UTF-8 declaration; encodeXmlBody re-declares for the wire). */
export function faultEnvelope(version: SoapVersion, fault: { code: string; reason: string; subcode?: string }): string {
  const code = versionedCode(version, fault.code);
  const inner =
    version === '1.1'
      ? `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${escapeXml(fault.reason)}</faultstring></soap:Fault>`
      : `<soap:Fault><soap:Code><soap:Value>soap:${code}</soap:Value>` +
        (fault.subcode ? `<soap:Subcode><soap:Value${subcodeNamespace(fault.subcode)}>${escapeXml(fault.subcode)}</soap:Value></soap:Subcode>` : '') +
        `</soap:Code><soap:Reason><soap:Text xml:lang="zh">${escapeXml(fault.reason)}</soap:Text></soap:Reason></soap:Fault>`;
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP_ENVELOPE_NS[version]}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
}

/** The same fault as node-soap's server expects it thrown from a service method (`throw { Fault }`). */
export function nodeSoapFault(version: SoapVersion, fault: { code: string; reason: string; subcode?: string }): { Fault: Record<string, unknown> } {
  const code = versionedCode(version, fault.code);
  const statusCode = faultHttpStatus(version, code);
  if (version === '1.1') return { Fault: { faultcode: `soap:${code}`, faultstring: fault.reason, statusCode } };
  const subcode = fault.subcode
    ? { Subcode: { Value: subcodeNamespace(fault.subcode) ? { attributes: { 'xmlns:wsse': WSSE_NS }, $value: fault.subcode } : fault.subcode } }
    : {};
  return {
    Fault: {
      Code: { Value: `soap:${code}`, ...subcode },
      Reason: { Text: { attributes: { 'xml:lang': 'zh' }, $value: fault.reason } },
      statusCode,
    },
  };
}
