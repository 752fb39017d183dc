/**
 * The request element's text: namespace-qualified children (elementFormDefault="qualified"),
 * in the tree's insertion order, no XML declaration (the transport adds the envelope and the
 * encoding). Deterministic: the same tree always gives the same text, whose digest is logged.
 */
import type { NativeForm, NativeObject, NativeValue } from '../types';
import { describeChar, firstNonXmlChar } from './charset';

export interface XmlNamespace {
  /** e.g. `amr`. */
  prefix: string;
  /** e.g. `http://amr.jiangzhou.gov.cn/ws/case/v1`. */
  uri: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/** Escapes text for element content or a quoted attribute (CR as a reference so that parsers keep it). */
function escapeXml(text: string): string {
  const bad = firstNonXmlChar(text);
  if (bad !== undefined) throw new Error(`xml: ${describeChar(bad)} cannot appear in XML`);
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]!);
}

function element(prefix: string, name: string, value: NativeValue): string {
  if (value === undefined || value === null) return '';
  if (!NAME.test(name)) throw new Error(`xml: ${JSON.stringify(name)} is not an element name`);
  if (Array.isArray(value)) {
    return value.map((item) => {
      if (Array.isArray(item)) throw new Error(`xml: ${name} holds a nested array`);
      return element(prefix, name, item);
    }).join('');
  }
  const content = typeof value === 'object' ? children(prefix, value) : escapeXml(String(value));
  return content === '' ? `<${prefix}:${name}/>` : `<${prefix}:${name}>${content}</${prefix}:${name}>`;
}

function children(prefix: string, tree: NativeObject): string {
  let s = '';
  for (const [name, value] of Object.entries(tree)) s += element(prefix, name, value);
  return s;
}

/** `<p:name xmlns:p="uri">children</p:name>`. */
export function serializeElement(ns: XmlNamespace, name: string, tree: NativeObject): string {
  if (!NAME.test(ns.prefix) || ns.prefix.toLowerCase().startsWith('xml')) throw new Error(`xml: bad prefix ${JSON.stringify(ns.prefix)}`);
  if (!NAME.test(name)) throw new Error(`xml: ${JSON.stringify(name)} is not an element name`);
  const q = `${ns.prefix}:${name}`;
  return `<${q} xmlns:${ns.prefix}="${escapeXml(ns.uri)}">${children(ns.prefix, tree)}</${q}>`;
}

/** The NativeForm of one request element. */
export function xmlForm(operation: string, ns: XmlNamespace, name: string, tree: NativeObject): NativeForm {
  return { operation, mediaType: 'application/xml', text: serializeElement(ns, name, tree) };
}
