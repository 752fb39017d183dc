import { apiRaw, qs } from './api';

/**
 * 公文 in the console: the API's shapes (gateway/documents/views.ts, lists.ts), Chinese labels,
 * and which steps the lifecycle (gateway/documents/lifecycle.ts) offers to a role.
 */
export interface Dated { text: string; date?: string }
export interface AttachmentRef { name: string; mediaType: string; size: number; digests: { alg: string; value: string }[] }
export interface OfficialDocument {
  copyNumber?: string;
  secrecy?: { text: string; level: string };
  urgency?: { text: string; level: string };
  issuerMark?: string;
  documentNumber?: { text: string; normalized?: string };
  signers?: string[];
  title: string;
  kind?: string;
  mainRecipients?: string[];
  body: string;
  attachmentNote?: { text: string; items?: { number: number; name: string }[] };
  attachments?: AttachmentRef[];
  issuingAuthorities?: string[];
  dateWritten?: Dated;
  seals?: { authority: string; format: string }[];
  note?: string;
  copyTo?: string[];
  printingAuthority?: string;
  printingDate?: Dated;
}
export interface Receipt {
  id: string; recipient: string; copy: boolean; status: string; assignee: string | null; deadline: string | null; forwardedFrom: string | null; createdAt: string; updatedAt: string;
  /** An addressee reached through the exchange station: its package and the outbox message's status. */
  station?: { packageId: string; message: string; delivery: string };
}
/** Where a package to the exchange station stands (the outbox message's status). */
export const STATION_DELIVERY: Record<string, string> = { queued: '，待发送', failed: '，发送失败重试中', dead_lettered: '，发送失败（死信）', delivered: '' };
export interface DocumentView {
  id: string; sender: string; status: string; urgency: string | null; kind: string | null; title: string; documentNumber: string | null; dateWritten: string | null;
  document: OfficialDocument; addressees: { main: string[]; copy?: string[] };
  seal: { status: string; format: string; authority: string; sesSignature?: { status: 'verified' | 'invalid' | 'unsupported' | 'none'; reason?: string; format?: string } } | null;
  attachments: AttachmentRef[]; receipts: Receipt[]; allowedSteps: string[]; createdBy: string; createdAt: string; updatedAt: string;
}
export interface ListRow { id: string; receiptId?: string; recipient?: string; status: string; documentStatus: string; urgency: string | null; kind: string | null; title: string | null; sender: string; documentNumber: string | null; dateWritten: string | null; createdAt: string }
export interface TraceEvent {
  step: string; name: string; at: string; actor: string; department: string; receipt: { id: string; recipient: string } | null;
  detail: Record<string, unknown>; signature: { status: 'none' | 'verified' | 'invalid'; signer?: string; alg?: string }; logIndex: number | null;
}

/** 发文 statuses (the document) and 收文 statuses (a receipt) in Chinese. */
export const OUT_STATUS: Record<string, string> = { drafted: '已起草', reviewed: '已审核', signed_off: '已签发', registered: '已登记', sealed: '已用印', distributed: '已分发' };
export const IN_STATUS: Record<string, string> = {
  delivered: '待签收', signed: '已签收', recorded: '已登记', proposed: '已拟办', approved: '已批办', assigned: '承办中', forwarded: '已转办', completed: '已办结', returned: '已退回',
};
export const STATUS_TYPE: Record<string, 'primary' | 'success' | 'info' | 'warning' | 'danger'> = {
  drafted: 'info', reviewed: 'primary', signed_off: 'primary', registered: 'primary', sealed: 'primary', distributed: 'success',
  delivered: 'warning', signed: 'primary', recorded: 'primary', proposed: 'primary', approved: 'primary', assigned: 'primary', forwarded: 'info', completed: 'success', returned: 'danger',
};
export const KINDS = ['决议', '决定', '命令', '公报', '公告', '通告', '意见', '通知', '通报', '报告', '请示', '批复', '议案', '函', '纪要'];
export const URGENCIES = ['特急', '加急'];
/** 特提/特急 red, 加急 orange; others plain. */
export const urgencyTag = (u: string | null | undefined): 'danger' | 'warning' | 'info' => (u === '特急' || u === '特提' ? 'danger' : u === '加急' ? 'warning' : 'info');

export interface Step { step: string; label: string; input?: 'register' | 'assign' | 'forward' | 'return'; type?: 'primary' | 'success' | 'danger' | 'warning' }

/** How each step is offered (API step name → button); which steps are offered is the server's answer (DocumentView.allowedSteps). */
const STEP_UI: Record<string, Omit<Step, 'step'>> = {
  review: { label: '审核通过', type: 'primary' },
  'sign-off': { label: '签发', type: 'primary' },
  register: { label: '登记（编发文字号）', input: 'register', type: 'primary' },
  seal: { label: '用印', type: 'primary' },
  distribute: { label: '分发', type: 'primary' },
  'sign-for': { label: '签收', type: 'primary' },
  record: { label: '登记', type: 'primary' },
  propose: { label: '拟办' },
  approve: { label: '批办' },
  assign: { label: '承办…', input: 'assign' },
  forward: { label: '转办…', input: 'forward' },
  complete: { label: '办结', type: 'success' },
  return: { label: '退回…', input: 'return', type: 'danger' },
};

/**
 * The step buttons for the steps the server says the user may take now (the lifecycle tables and
 * the role decide there, once). The server decides again when a step is taken; a refusal shows as
 * its Chinese problem text.
 */
export const allowedSteps = (doc: DocumentView): Step[] => doc.allowedSteps.filter((s) => s in STEP_UI).map((step) => ({ step, ...STEP_UI[step]! }));

/** Uploads one attachment file as a raw stream (POST /documents/{id}/attachments?name=…). */
export const uploadAttachment = (id: string, file: File): Promise<AttachmentRef> =>
  apiRaw<AttachmentRef>(`/documents/${id}/attachments${qs({ name: file.name })}`, file.type || 'application/octet-stream', file);

export interface ImportResult { document: OfficialDocument; report: { found: string[]; missing: string[]; ignored: string[] } }
/** POST /documents/import (text/plain): the parsed document and its found/missing report. */
export const importText = (text: string): Promise<ImportResult> => apiRaw<ImportResult>('/documents/import', 'text/plain; charset=utf-8', text);

/** The GB/T 9704 element names (gateway/documents/model.ts ELEMENTS). */
export const ELEMENT_NAME: Record<string, string> = {
  copyNumber: '份号', secrecy: '密级和保密期限', urgency: '紧急程度', issuerMark: '发文机关标志', documentNumber: '发文字号', signers: '签发人', title: '标题', kind: '文种',
  mainRecipients: '主送机关', body: '正文', attachmentNote: '附件说明', attachments: '附件', issuingAuthorities: '发文机关署名', dateWritten: '成文日期', seals: '印章',
  note: '附注', copyTo: '抄送机关', printingAuthority: '印发机关', printingDate: '印发日期',
};
