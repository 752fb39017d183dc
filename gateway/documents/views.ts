import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { verifyBatched, type BatchedSignature } from '../crypto/batch-signature';
import type { Trust } from '../trust/trust';
import { permits, readsAllMembers } from '../registry/permissions';
import type { Principal } from '../registry/principal';
import { outgoingLifecycle, receiptLifecycle, OUTGOING_STEPS, RECEIPT_STEPS, type DocumentStep, type OutgoingEvent, type ReceiptEvent } from './lifecycle';
import { readDocument, readReceipts, type DocumentRow, type ReceiptRow } from './records';
import { checkStoredSeal, sealedBytes, type StoredSes } from './seals';
import { stationDeliveryEvents } from './station-answers';

/**
 * What a party sees of a 公文: the sending department, the addressee departments
 * (a receipt of theirs, forwarded ones included) and the readers of everything
 * (auditors, supervisors). Anyone else gets 404, as if it did not exist.
 */
export type Party = { doc: DocumentRow; receipts: ReceiptRow[]; sender: boolean; readsAll: boolean };

export async function partyView(db: Db, principal: Principal, id: string): Promise<Party> {
  const doc = await readDocument(db, id);
  const notFound = () => new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `no official document ${id}`);
  if (!doc) throw notFound();
  const readsAll = readsAllMembers(principal);
  const sender = doc.sender === principal.member && !readsAll;
  const receipts = await readReceipts(db, id);
  if (!readsAll && !sender && !receipts.some((r) => r.recipient === principal.member)) throw notFound();
  return { doc, receipts, sender, readsAll };
}

/** The exchange-station package of an external addressee's receipt: its 包标识, the outbox message and where delivery stands. */
interface StationDelivery {
  packageId: string;
  message: string;
  delivery: string;
}

/**
 * What a document sent through the station, by receipt id: the package to an external
 * addressee, or the answer (回执/回退) of one of our departments to a 收文 that came from the
 * station (the latest, should it have signed for it and then returned it). Empty when none.
 */
async function stationDeliveries(db: Db, id: string): Promise<Map<string, StationDelivery>> {
  const r = await db.query<{ receipt_id: string; package_id: string; message: string; status: string }>(
    `SELECT sp.receipt_id, sp.package_id, m.id AS message, m.status FROM station_packages sp JOIN messages m ON m.id = sp.message_id
     WHERE sp.document_id = $1 AND sp.direction IN ('out', 'answer') ORDER BY sp.created_at, m.seq`,
    [id],
  );
  return new Map(r.rows.map((x) => [x.receipt_id, { packageId: x.package_id, message: x.message, delivery: x.status }]));
}

const receiptView = (r: ReceiptRow, station?: Map<string, StationDelivery>) => ({
  ...(station?.has(r.id) ? { station: station.get(r.id) } : {}),
  id: r.id,
  recipient: r.recipient,
  copy: r.copy,
  status: r.status,
  assignee: r.assignee,
  deadline: r.deadline,
  forwardedFrom: r.forwarded_from,
  createdAt: formatTime(r.created_at),
  updatedAt: formatTime(r.updated_at),
});

export interface AttachmentView {
  name: string;
  mediaType: string;
  size: number;
  digests: { alg: 'sm3' | 'sha256'; value: string }[];
}

export async function attachmentsOf(db: Db, id: string): Promise<AttachmentView[]> {
  const r = await db.query<{ name: string; media_type: string; size: string; sha256: string; sm3: string }>(
    `SELECT a.name, a.media_type, b.size, b.sha256, b.sm3 FROM document_attachments a JOIN attachment_blobs b ON b.sha256 = a.sha256 WHERE a.document_id = $1 ORDER BY a.added_at, a.name`,
    [id],
  );
  return r.rows.map((a) => ({ name: a.name, mediaType: a.media_type, size: Number(a.size), digests: [{ alg: 'sm3', value: a.sm3 }, { alg: 'sha256', value: a.sha256 }] }));
}

/** The stored seal with its GB/T 38540 seal signature verified now against the document and attachments as stored. */
function sealView(trust: Trust, d: DocumentRow, attachments: AttachmentView[]) {
  const seal = d.seal as (Record<string, unknown> & { sesSignature?: StoredSes | string }) | null;
  if (!seal) return null;
  return { ...seal, sesSignature: checkStoredSeal(trust, seal.sesSignature, sealedBytes(d.document, attachments)) };
}

/**
 * The steps (API names) the caller may take now: the lifecycle tables allow them from the
 * document's status (发文, the sending department) or its department's receipt (收文), and the
 * caller's role holds the operation the step's row names. The same tables decide when the
 * step is taken; this only saves clients from repeating them.
 */
export function allowedSteps(principal: Principal, d: Pick<DocumentRow, 'sender' | 'status'>, receipts: Pick<ReceiptRow, 'recipient' | 'status'>[]): DocumentStep[] {
  const steps: DocumentStep[] = [];
  if (d.sender === principal.member) {
    for (const [step, event] of Object.entries(OUTGOING_STEPS) as [DocumentStep, OutgoingEvent][]) {
      if (outgoingLifecycle.allows(d.status, event) && permits(principal, outgoingLifecycle.step(event).op)) steps.push(step);
    }
  }
  const own = receipts.find((r) => r.recipient === principal.member);
  if (own) {
    for (const [step, event] of Object.entries(RECEIPT_STEPS) as [DocumentStep, ReceiptEvent][]) {
      if (receiptLifecycle.allows(own.status, event) && permits(principal, receiptLifecycle.step(event).op)) steps.push(step);
    }
  }
  return steps;
}

/** The document as its party sees it: the sender and readers all receipts, an addressee its own. */
export async function documentView(db: Db, trust: Trust, principal: Principal, id: string) {
  const p = await partyView(db, principal, id);
  const d = p.doc;
  const attachments = await attachmentsOf(db, id);
  const receipts = p.sender || p.readsAll ? p.receipts : p.receipts.filter((r) => r.recipient === principal.member);
  const station = await stationDeliveries(db, id);
  return {
    id: d.id,
    sender: d.sender,
    status: d.status,
    urgency: d.urgency,
    kind: d.kind,
    title: d.title,
    documentNumber: d.doc_number,
    dateWritten: d.date_written,
    document: d.document,
    addressees: d.addressees,
    seal: sealView(trust, d, attachments),
    attachments,
    receipts: receipts.map((r) => receiptView(r, station)),
    allowedSteps: allowedSteps(principal, d, p.receipts),
    createdBy: d.created_by,
    createdAt: formatTime(d.created_at),
    updatedAt: formatTime(d.updated_at),
  };
}

interface EventRow {
  step: string;
  at: Date;
  actor: string;
  department: string;
  receipt_id: string | null;
  recipient: string | null;
  detail: Record<string, unknown>;
  signed_text: string | null;
  signature: BatchedSignature | null;
  log_idx: string;
}

/** The signature status of a step: none, or verified / invalid against the department certificate that made it. */
function signatureStatus(trust: Trust, e: EventRow) {
  if (!e.signature || e.signed_text === null) return { status: 'none' as const };
  const pem = trust.certificatePem(e.signature.certificate);
  const ok = pem !== undefined && verifyBatched(e.signature, e.signed_text, pem);
  return { status: ok ? ('verified' as const) : ('invalid' as const), signer: e.signature.signer, alg: e.signature.alg, certificate: e.signature.certificate, signedText: e.signed_text, signature: e.signature };
}

const stepName = (step: string): string =>
  (outgoingLifecycle.events as readonly string[]).includes(step)
    ? outgoingLifecycle.step(step as OutgoingEvent).name
    : receiptLifecycle.step(step as ReceiptEvent).name;

/**
 * A step is one event on the timeline. A step of one addressee that also touched another
 * receipt (转办 writes a row for the forwarding receipt and one for the new receipt, same log
 * entry) shows once, as its own department's row (the target is in detail.to); 分发, by the
 * sender for several receipts, keeps one row per addressee.
 */
const oneEventPerStep = (rows: EventRow[]): EventRow[] =>
  rows.filter((e) => !(e.receipt_id && e.recipient !== e.department && rows.some((o) => o.log_idx === e.log_idx && o.recipient === o.department)));

/** The full route of a document: every step, who, when, department, signature status and log index (sender, addressees, auditors). */
export async function documentTrace(db: Db, trust: Trust, principal: Principal, id: string) {
  const p = await partyView(db, principal, id);
  const station = await stationDeliveries(db, id);
  const r = await db.query<EventRow>(
    `SELECT e.step, e.at, e.actor, e.department, e.receipt_id, r.recipient, e.detail, e.signed_text, e.signature, e.log_idx
     FROM document_events e LEFT JOIN document_receipts r ON r.id = e.receipt_id WHERE e.document_id = $1 ORDER BY e.id`,
    [id],
  );
  return {
    id,
    sender: p.doc.sender,
    status: p.doc.status,
    documentNumber: p.doc.doc_number,
    seal: sealView(trust, p.doc, await attachmentsOf(db, id)),
    receipts: p.receipts.map((x) => receiptView(x, station)),
    events: timeline(
      oneEventPerStep(r.rows).map((e) => ({
        step: e.step,
        name: stepName(e.step),
        at: e.at,
        actor: e.actor,
        department: e.department,
        receipt: e.receipt_id ? { id: e.receipt_id, recipient: e.recipient } : null,
        detail: e.detail,
        signature: signatureStatus(trust, e),
        logIndex: Number(e.log_idx) as number | null,
      })),
      (await stationDeliveryEvents(db, id, p.doc.sender)).map((e) => ({ ...e, name: STATION_DELIVERY_NAMES[e.step], signature: { status: 'none' as const } })),
    ),
  };
}

/** The outbox's events of the document's station messages, by name on the timeline. */
const STATION_DELIVERY_NAMES = { dead_lettered: '死信（交换站未送达）', replayed: '重发' } as const;

/** The steps and the station delivery events in log order (commit order; by time should an entry be missing); times as RFC 3339. */
function timeline<T extends { at: Date; logIndex: number | null }>(steps: T[], station: T[]) {
  const order = (a: T, b: T) => (a.logIndex !== null && b.logIndex !== null ? a.logIndex - b.logIndex : a.at.getTime() - b.at.getTime());
  return [...steps, ...station].sort(order).map((e) => ({ ...e, at: formatTime(e.at) }));
}
