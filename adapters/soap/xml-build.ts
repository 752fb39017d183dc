/**
 * Writing a request or response element from a NativeObject: keys in object order
 * (so callers list children in the order of the agency's tables), arrays as repeated
 * elements, nested objects as nested elements, null/undefined left out, text escaped.
 * Every element carries the namespace prefix; the declaration sits on the outer one.
 */
import type { NativeObject, NativeValue } from '../types';
import { escapeXml } from './envelope';

interface QualifiedName {
  prefix: string;
  namespace: string;
  name: string;
}

function children(prefix: string, obj: NativeObject): string {
  let out = '';
  for (const [name, value] of Object.entries(obj)) out += element(prefix, name, value);
  return out;
}

function element(prefix: string, name: string, value: NativeValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => element(prefix, name, v)).join('');
  const tag = `${prefix}:${name}`;
  if (typeof value === 'object') return `<${tag}>${children(prefix, value)}</${tag}>`;
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** `<amr:SubmitCaseRequest xmlns:amr="…"><amr:SLBH>…</amr:SLBH>…</amr:SubmitCaseRequest>` */
export function buildElement(qname: QualifiedName, content: NativeObject): string {
  const tag = `${qname.prefix}:${qname.name}`;
  return `<${tag} xmlns:${qname.prefix}="${escapeXml(qname.namespace)}">${children(qname.prefix, content)}</${tag}>`;
}
