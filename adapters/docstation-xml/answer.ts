/**
 * The station's answer to a package: 回执 (accepted, 签收) or 回退 (returned, with the
 * reason), naming the package by 包标识 and by the SHA-256 of the package bytes as received,
 * so a sender can match the answer to exactly what it sent. Same XML conventions as the
 * package (namespace, fast-xml-parser, the hardened gate). Optionally signed (xmldsig.ts).
 */
import { XMLBuilder } from 'fast-xml-parser';
import { AdapterError } from '../errors';
import type { NativeObject } from '../types';
import { parseXml, UnsafeXmlError } from '../soap/safe-xml';
import { PACKAGE_NAMESPACE, PACKAGE_XML_LIMITS } from './package';

export type StationAnswer =
  | { kind: '回执'; packageId: string; packageSha256: string; at: string; duplicate: boolean }
  | { kind: '回退'; packageId: string; packageSha256: string; at: string; reason: string };

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: false, processEntities: true });

export function buildAnswer(a: StationAnswer): string {
  const body: Record<string, unknown> = { '@_xmlns': PACKAGE_NAMESPACE, 包标识: a.packageId, 包摘要: a.packageSha256, 时间: a.at };
  if (a.kind === '回执') body['重复'] = a.duplicate ? '是' : '否';
  else body['原因'] = a.reason;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [a.kind]: body }) as string}`;
}

export function parseAnswer(xml: string): StationAnswer {
  let tree: NativeObject;
  try {
    tree = parseXml(xml, PACKAGE_XML_LIMITS);
  } catch (err) {
    if (err instanceof UnsafeXmlError) throw new AdapterError('GW_ERR_AGENCY_INVALID_ANSWER', `the station's answer is not acceptable XML: ${err.message}`);
    throw err;
  }
  const kind = Object.keys(tree).find((k) => k === '回执' || k === '回退');
  const o = kind ? tree[kind] : undefined;
  if (!kind || !o || typeof o !== 'object' || Array.isArray(o)) throw new AdapterError('GW_ERR_AGENCY_INVALID_ANSWER', 'the station answered neither 回执 nor 回退');
  const text = (name: string): string => {
    const v = o[name];
    if (typeof v !== 'string' || v === '') throw new AdapterError('GW_ERR_AGENCY_INVALID_ANSWER', `the station's ${kind} has no ${name}`);
    return v;
  };
  const common = { packageId: text('包标识'), packageSha256: text('包摘要'), at: text('时间') };
  return kind === '回执' ? { kind, ...common, duplicate: text('重复') === '是' } : { kind: '回退', ...common, reason: text('原因') };
}
