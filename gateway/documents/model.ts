/**
 * The 公文 (official document) model: every element of GB/T 9704-2012, as in
 * schemas/official-document.schema.json (the schema is the contract; these are its types).
 * Pure: no I/O.
 */

/** The message type of an official document (schemas/official-document.schema.json). */
export const OFFICIAL_DOCUMENT_TYPE = 'official-document';

/** The 15 kinds (文种) of the 党政机关公文处理工作条例; 命令 also covers 令. */
export const DOCUMENT_KINDS = ['决议', '决定', '命令', '公报', '公告', '通告', '意见', '通知', '通报', '报告', '请示', '批复', '议案', '函', '纪要'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Secrecy levels a document on this gateway may carry; 绝密/机密/秘密 are refused (classification.ts). */
export const ACCEPTED_SECRECY = ['内部', '公开'] as const;
export const URGENCY_LEVELS = ['特提', '特急', '加急', '平急'] as const;

/** A date as written (`text`, e.g. 二〇二四年三月十二日) and as YYYY-MM-DD. */
export interface WrittenDate {
  text: string;
  date: string;
}

export interface Digest {
  alg: 'sm3' | 'sha256';
  /** lowercase hex */
  value: string;
}

/** An attachment by reference: its bytes are stored elsewhere. */
export interface AttachmentRef {
  name: string;
  mediaType: string;
  size: number;
  /** one sm3 and one sha256 digest of the bytes */
  digests: Digest[];
}

/** An electronic seal (GB/T 38540 SES_Signature or detached CMS), by reference. */
export interface SealRef {
  authority: string;
  format: 'SES_Signature' | 'CMS';
  digest?: Digest;
}

export interface DocumentNumber {
  /** as written, e.g. 江数据【2025】3号 */
  text: string;
  /** 机关代字〔年份〕序号号 with 〔〕, simplified characters, e.g. 江数据〔2025〕3号 */
  normalized: string;
  agencyCode: string;
  year: number;
  serial: number;
}

export interface OfficialDocument {
  copyNumber?: string;
  secrecy?: { text: string; level: (typeof ACCEPTED_SECRECY)[number]; period?: string };
  urgency?: { text: string; level: (typeof URGENCY_LEVELS)[number] };
  issuerMark?: string;
  documentNumber?: DocumentNumber;
  signers?: string[];
  title?: string;
  kind?: DocumentKind;
  mainRecipients?: string[];
  body?: string;
  attachmentNote?: { text: string; items: { number?: number; name: string }[] };
  attachments?: AttachmentRef[];
  issuingAuthorities?: string[];
  dateWritten?: WrittenDate;
  seals?: SealRef[];
  note?: string;
  copyTo?: string[];
  printingAuthority?: string;
  printingDate?: WrittenDate;
}

export type DocumentElement = keyof OfficialDocument;

/** Every element, in the order of GB/T 9704-2012 (版头, 主体, 版记), with its Chinese name. */
export const ELEMENTS: readonly { element: DocumentElement; name: string }[] = [
  { element: 'copyNumber', name: '份号' },
  { element: 'secrecy', name: '密级和保密期限' },
  { element: 'urgency', name: '紧急程度' },
  { element: 'issuerMark', name: '发文机关标志' },
  { element: 'documentNumber', name: '发文字号' },
  { element: 'signers', name: '签发人' },
  { element: 'title', name: '标题' },
  { element: 'kind', name: '文种' },
  { element: 'mainRecipients', name: '主送机关' },
  { element: 'body', name: '正文' },
  { element: 'attachmentNote', name: '附件说明' },
  { element: 'attachments', name: '附件' },
  { element: 'issuingAuthorities', name: '发文机关署名' },
  { element: 'dateWritten', name: '成文日期' },
  { element: 'seals', name: '印章' },
  { element: 'note', name: '附注' },
  { element: 'copyTo', name: '抄送机关' },
  { element: 'printingAuthority', name: '印发机关' },
  { element: 'printingDate', name: '印发日期' },
];
