/**
 * The exchange-station package (交换包) of one 公文: header (package id, sender, 主送/抄送
 * recipients, time), the document's metadata under the GB/T 33480 元数据 element names,
 * the 正文, the attachments by digest (SM3 and SHA-256; the bytes travel separately), the
 * sender's GB/T 38540 seal (SES_Signature DER, base64) and, for stations that speak XML
 * signatures, an enveloped XMLDSig (xmldsig.ts). Format and example: README.md.
 *
 * Built with fast-xml-parser's XMLBuilder (text escaped, nothing else interpreted) and
 * read with the hardened XML gate of the SOAP adapters (adapters/soap/safe-xml.ts:
 * no DOCTYPE, no entities, bounded sizes), then checked element by element here.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { AdapterError } from '../errors';
import type { NativeObject, NativeValue } from '../types';
import { parseXml, UnsafeXmlError, xmlLimits } from '../soap/safe-xml';

export const PACKAGE_NAMESPACE = 'urn:xgw:docstation:package:1';

/**
 * GB/T 33480 metadata carried in <元数据>, in this order (single values, except the
 * recipient and signer lists). The names are the standard's Chinese element names; dates
 * are YYYY-MM-DD.
 */
export const METADATA_ELEMENTS = ['份号', '密级', '保密期限', '紧急程度', '发文机关标志', '发文字号', '签发人', '标题', '文种', '主送机关', '附件说明', '发文机关署名', '成文日期', '附注', '抄送机关', '印发机关', '印发日期'] as const;
export type MetadataElement = (typeof METADATA_ELEMENTS)[number];
const LISTS: ReadonlySet<MetadataElement> = new Set(['签发人', '主送机关', '发文机关署名', '抄送机关']);

export interface PackageAttachment {
  name: string;
  mediaType: string;
  size: number;
  sm3: string;
  sha256: string;
}

export interface StationPackage {
  id: string;
  sender: { code: string; name: string };
  recipients: { main: string[]; copy: string[] };
  /** RFC 3339 with offset, e.g. 2026-06-01T10:00:00+08:00 */
  createdAt: string;
  metadata: Partial<Record<MetadataElement, string | string[]>>;
  body: string;
  /** The exact bytes the seal's data hash covers (the sender's canonical form), base64. */
  content?: { format: string; data: string };
  attachments: PackageAttachment[];
  seal?: { format: 'GB/T 38540-2020'; sesSignature: string };
}

/** A package is one document plus digests: 4 MiB covers a long 正文 and a seal with its picture. */
export const PACKAGE_XML_LIMITS = xmlLimits({ maxBytes: 4 * 1024 * 1024, maxDepth: 16, maxElements: 5_000, maxTextLength: 2 * 1024 * 1024 });

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, format: false, processEntities: true });

const NON_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function checkText(value: string, where: string): string {
  if (NON_XML.test(value)) throw new AdapterError('GW_ERR_ADAPTER_UNMAPPED_VALUE', `${where} holds a character XML cannot carry`);
  if (value !== value.trim()) throw new AdapterError('GW_ERR_ADAPTER_UNMAPPED_VALUE', `${where} has leading or trailing white space (XML text is compared trimmed)`);
  return value;
}

/** The package as XML text (UTF-8, no signature yet). */
export function buildPackage(p: StationPackage): string {
  const metadata: Record<string, string | string[]> = {};
  for (const name of METADATA_ELEMENTS) {
    const v = p.metadata[name];
    if (v === undefined) continue;
    metadata[name] = Array.isArray(v) ? v.map((x, i) => checkText(x, `${name}[${i}]`)) : checkText(v, name);
  }
  const tree = {
    交换包: {
      '@_xmlns': PACKAGE_NAMESPACE,
      包头: {
        包标识: checkText(p.id, '包标识'),
        发送机关: { 代码: checkText(p.sender.code, '发送机关代码'), 名称: checkText(p.sender.name, '发送机关名称') },
        接收机关: [...p.recipients.main.map((c) => ({ 代码: checkText(c, '接收机关代码'), 类型: '主送' })), ...p.recipients.copy.map((c) => ({ 代码: checkText(c, '接收机关代码'), 类型: '抄送' }))],
        发送时间: checkText(p.createdAt, '发送时间'),
      },
      元数据: metadata,
      正文: checkText(p.body, '正文'),
      ...(p.content ? { 原文: { 格式: checkText(p.content.format, '原文格式'), 数据: p.content.data } } : {}),
      附件列表: { 附件: p.attachments.map((a) => ({ 名称: checkText(a.name, '附件名称'), 媒体类型: checkText(a.mediaType, '媒体类型'), 大小: String(a.size), SM3: a.sm3, SHA256: a.sha256 })) },
      ...(p.seal ? { 电子印章: { 格式: p.seal.format, 签章数据: p.seal.sesSignature } } : {}),
    },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(tree) as string}`;
}

// ---- reading ---------------------------------------------------------------------

const invalid = (detail: string, pointer = '/交换包') => new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', detail, { errors: [{ pointer, message: detail }] });

function obj(v: NativeValue | undefined, where: string): NativeObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${where} is missing or not an element with children`, where);
  return v;
}
function str(v: NativeValue | undefined, where: string, optional = false): string {
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') throw invalid(`${where} is missing or not text`, where);
  return v;
}
const list = (v: NativeValue | undefined): NativeValue[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);
const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

/** Reads a package (signed or not; the signature is checked by xmldsig.ts, not here). */
export function parsePackage(xml: string): StationPackage {
  let tree: NativeObject;
  try {
    tree = parseXml(xml, PACKAGE_XML_LIMITS);
  } catch (err) {
    if (err instanceof UnsafeXmlError) throw invalid(`the package is not acceptable XML: ${err.message}`, '/');
    throw err;
  }
  const root = obj(tree['交换包'], '/交换包');
  const head = obj(root['包头'], '/交换包/包头');
  const sender = obj(head['发送机关'], '/交换包/包头/发送机关');
  const recipients = { main: [] as string[], copy: [] as string[] };
  for (const [i, r] of list(head['接收机关']).entries()) {
    const o = obj(r, `/交换包/包头/接收机关/${i}`);
    const kind = str(o['类型'], `/交换包/包头/接收机关/${i}/类型`);
    if (kind !== '主送' && kind !== '抄送') throw invalid(`接收机关 类型 must be 主送 or 抄送, not ${kind}`, `/交换包/包头/接收机关/${i}/类型`);
    (kind === '主送' ? recipients.main : recipients.copy).push(str(o['代码'], `/交换包/包头/接收机关/${i}/代码`));
  }
  if (!recipients.main.length && !recipients.copy.length) throw invalid('a package names at least one 接收机关', '/交换包/包头/接收机关');
  const metadata: StationPackage['metadata'] = {};
  const meta = root['元数据'] === '' ? {} : obj(root['元数据'], '/交换包/元数据');
  for (const [name, value] of Object.entries(meta)) {
    if (!(METADATA_ELEMENTS as readonly string[]).includes(name)) throw invalid(`unknown metadata element ${name}`, `/交换包/元数据/${name}`);
    const el = name as MetadataElement;
    const values = list(value).map((v, i) => str(v, `/交换包/元数据/${name}/${i}`));
    if (!LISTS.has(el) && values.length !== 1) throw invalid(`${name} appears ${values.length} times`, `/交换包/元数据/${name}`);
    metadata[el] = LISTS.has(el) ? values : values[0]!;
  }
  const attachments = list(root['附件列表'] === '' ? undefined : obj(root['附件列表'], '/交换包/附件列表')['附件']).map((a, i) => {
    const p = `/交换包/附件列表/附件/${i}`;
    const o = obj(a, p);
    const size = str(o['大小'], `${p}/大小`);
    const sm3 = str(o['SM3'], `${p}/SM3`);
    const sha256 = str(o['SHA256'], `${p}/SHA256`);
    if (!/^(0|[1-9]\d{0,15})$/.test(size)) throw invalid('附件 大小 is not a byte count', `${p}/大小`);
    if (!HEX(64).test(sm3) || !HEX(64).test(sha256)) throw invalid('附件 digests are 64 lowercase hex digits', p);
    return { name: str(o['名称'], `${p}/名称`), mediaType: str(o['媒体类型'], `${p}/媒体类型`), size: Number(size), sm3, sha256 };
  });
  const out: StationPackage = {
    id: str(head['包标识'], '/交换包/包头/包标识'),
    sender: { code: str(sender['代码'], '/交换包/包头/发送机关/代码'), name: str(sender['名称'], '/交换包/包头/发送机关/名称') },
    recipients,
    createdAt: str(head['发送时间'], '/交换包/包头/发送时间'),
    metadata,
    body: str(root['正文'], '/交换包/正文', true),
    attachments,
  };
  if (root['原文'] !== undefined) {
    const c = obj(root['原文'], '/交换包/原文');
    const data = str(c['数据'], '/交换包/原文/数据');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw invalid('原文 数据 is not base64', '/交换包/原文/数据');
    out.content = { format: str(c['格式'], '/交换包/原文/格式'), data };
  }
  if (root['电子印章'] !== undefined) {
    const seal = obj(root['电子印章'], '/交换包/电子印章');
    const format = str(seal['格式'], '/交换包/电子印章/格式');
    if (format !== 'GB/T 38540-2020') throw invalid(`unsupported seal format ${format}`, '/交换包/电子印章/格式');
    const der = str(seal['签章数据'], '/交换包/电子印章/签章数据');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(der)) throw invalid('签章数据 is not base64', '/交换包/电子印章/签章数据');
    out.seal = { format, sesSignature: der };
  }
  return out;
}
