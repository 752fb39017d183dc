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

/**
 * A receiving department's own answer to a package the station delivered — its 签收 (回执) or
 * 退回 with the reason (回退) — sent back through the station to the package's sender as a
 * package of its own: the station's answer elements plus 回执标识 (this answer's id, which the
 * station's answer to it names as 包标识), 发送机关 (the department answering) and 接收机关 (the
 * original sender's code). `duplicate` is always false.
 */
export type DepartmentAnswer = StationAnswer & { answerId: string; from: { code: string; name: string }; to: string };

function answerBody(a: StationAnswer): Record<string, unknown> {
  const body: Record<string, unknown> = { '@_xmlns': PACKAGE_NAMESPACE, 包标识: a.packageId, 包摘要: a.packageSha256, 时间: a.at };
  if (a.kind === '回执') body['重复'] = a.duplicate ? '是' : '否';
  else body['原因'] = a.reason;
  return body;
}

const asXml = (kind: string, body: Record<string, unknown>) => `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [kind]: body }) as string}`;

export const buildAnswer = (a: StationAnswer): string => asXml(a.kind, answerBody(a));

export const buildDepartmentAnswer = (a: DepartmentAnswer): string =>
  asXml(a.kind, { ...answerBody(a), 回执标识: a.answerId, 发送机关: { 代码: a.from.code, 名称: a.from.name }, 接收机关: a.to });

/** True when the XML's root is an answer (回执/回退) rather than a package (交换包). */
export const isAnswerXml = (xml: string): boolean => /^(?:<\?xml[^>]*\?>\s*)?<(?:回执|回退)[\s>]/.test(xml.trimStart());

/** Reads a department's answer (through the gate); GW_ERR_ADAPTER_INVALID_NATIVE when it is not one. */
export function parseDepartmentAnswer(xml: string): DepartmentAnswer {
  let answer: StationAnswer;
  let tree: NativeObject;
  try {
    answer = parseAnswer(xml);
    tree = parseXml(xml, PACKAGE_XML_LIMITS);
  } catch (err) {
    if (err instanceof AdapterError) throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', err.detail);
    throw err;
  }
  const o = tree[answer.kind] as NativeObject;
  const from = o['发送机关'];
  const text = (v: unknown, name: string): string => {
    if (typeof v !== 'string' || v === '') throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', `the ${answer.kind} has no ${name}`);
    return v;
  };
  if (!from || typeof from !== 'object' || Array.isArray(from)) throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', `the ${answer.kind} has no 发送机关`);
  return { ...answer, answerId: text(o['回执标识'], '回执标识'), from: { code: text(from['代码'], '发送机关/代码'), name: text(from['名称'], '发送机关/名称') }, to: text(o['接收机关'], '接收机关') };
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
