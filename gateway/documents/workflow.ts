import type { Store, Db } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import type { LogHashAlg } from '../merkle/hash';
import { appendEntries } from '../log/append';
import { prepareEntry } from '../log/entries';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { signBatch } from '../crypto/batch-signature';
import type { Trust } from '../trust/trust';
import type { SchemaRegistry } from '../schemas/registry';
import type { Member } from '../registry/members';
import { actorName, type Principal } from '../registry/principal';
import { refuseClassifiedPayload } from './classification';
import { sealDocument, sealedBytes } from './seals';
import { attachmentsOf } from './views';
import { queueStationPackages } from './station-out';
import { queueStationAnswer } from './station-receipts';
import { matchingForm } from './normalize';
import { OFFICIAL_DOCUMENT_TYPE, type OfficialDocument } from './model';
import { outgoingLifecycle, receiptLifecycle, urgencyRank, OUTGOING_STEPS, RECEIPT_STEPS, type OutgoingStep, type ReceiptStep } from './lifecycle';
import { documentDigest, keyedEvent, readDocument, readReceipts, recordDocumentStep, takeSerial, type Addressees, type DocumentRow, type ReceiptRow, type StepRecord } from './records';

/**
 * The 公文 steps (documents/lifecycle.ts decides which may happen): a draft from JSON,
 * the sending department's 发文 steps and each addressee's 收文 steps. Every step is one
 * transaction: the rows locked (document, then receipt), the table asked, the row
 * updated, the event and its log entry written. Signed steps are signed with the
 * department's key (trust.signerFor): 签发, 用印 over the canonical document (plus a
 * GB/T 38540 SES_Signature over the document and its attachments, seals.ts), the 签收 回执
 * and the 退回 回退 that go back to the sender.
 */
export interface DocumentDeps {
  store: Store;
  clock: Clock;
  trust: Trust;
  schemas: SchemaRegistry;
  alg: LogHashAlg;
  member(code: string): Member | undefined;
}

export interface DraftRequest {
  document: OfficialDocument;
  addressees: { main: string[]; copy?: string[] };
  draftKey?: string;
}

/** Step bodies (validated by the route contract; see openapi.ts). */
export interface StepBody {
  requestKey?: string;
  comment?: string;
  reason?: string;
  agencyCode?: string;
  year?: number;
  assignee?: string;
  deadline?: string;
  to?: string;
}

const department = (p: Principal) => p.member;
/** Who a queued exchange message is recorded as sent by (its sender system). */
const systemOf = (p: Principal) => (p.kind === 'system' ? p.system : p.login);

/**
 * Records that a classified document was refused (the only trace it leaves): a
 * `document.refused` log entry naming who, which department and where it tried to enter
 * (draft, import, push), nothing of the document itself.
 */
export async function recordClassifiedRefusal(deps: Pick<DocumentDeps, 'store' | 'clock' | 'alg'>, principal: Principal, where: 'draft' | 'import' | 'push' | 'station'): Promise<void> {
  const at = deps.clock.now();
  await deps.store.tx((db) =>
    appendEntries(db, [prepareEntry(deps.alg, 'document.refused', at, { actor: actorName(principal), department: department(principal), where, reason: 'classified' })]),
  );
}

/** Runs `check`; a GW_ERR_DOCUMENT_CLASSIFIED refusal is recorded in the log first, then thrown on. */
export async function refusingClassified<T>(deps: Pick<DocumentDeps, 'store' | 'clock' | 'alg'>, principal: Principal, where: 'draft' | 'import' | 'push' | 'station', check: () => T): Promise<T> {
  try {
    return check();
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'GW_ERR_DOCUMENT_CLASSIFIED') await recordClassifiedRefusal(deps, principal, where);
    throw err;
  }
}

/** 起草: a new document of the principal's department. Idempotent on `draftKey` (same content: the same document, created false). */
export async function draftDocument(deps: DocumentDeps, principal: Principal, body: DraftRequest): Promise<{ id: string; created: boolean }> {
  await refusingClassified(deps, principal, 'draft', () => refuseClassifiedPayload(body.document));
  const v = deps.schemas.validate(OFFICIAL_DOCUMENT_TYPE, body.document);
  if (!v.ok) throw new GatewayError('GW_ERR_SCHEMA_INVALID', 'the document is not a valid official-document', { errors: v.errors.map((e) => ({ pointer: `/document${e.pointer}`, message: e.message })) });
  const addressees: Addressees = { main: [...new Set(body.addressees.main)], copy: [...new Set(body.addressees.copy ?? [])].filter((c) => !body.addressees.main.includes(c)) };
  for (const code of [...addressees.main, ...addressees.copy]) {
    if (!deps.member(code)) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}" (addressees)`);
  }
  const doc = body.document;
  const draftDigest = digestHex('sha256', canonicalJson({ document: doc, addressees }));
  const at = deps.clock.now();
  const id = newId();
  return deps.store.tx(async (db) => {
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO documents (id, sender, status, urgency, urgency_rank, kind, title, title_search, date_written, document, addressees, draft_key, draft_digest, created_by, created_at, updated_at)
       VALUES ($1, $2, 'drafted', $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $14)
       ON CONFLICT (sender, draft_key) DO NOTHING RETURNING id`,
      [
        id,
        department(principal),
        doc.urgency?.level ?? null,
        urgencyRank(doc.urgency?.level),
        doc.kind ?? null,
        doc.title ?? null,
        doc.title ? matchingForm(doc.title) : null,
        doc.dateWritten?.date ?? null,
        JSON.stringify(doc),
        JSON.stringify(addressees),
        body.draftKey ?? null,
        draftDigest,
        actorName(principal),
        at,
      ],
    );
    if (!inserted.rows.length) {
      const existing = await db.query<{ id: string; draft_digest: string }>('SELECT id, draft_digest FROM documents WHERE sender = $1 AND draft_key = $2', [department(principal), body.draftKey]);
      const row = existing.rows[0]!;
      if (row.draft_digest !== draftDigest) throw new GatewayError('GW_ERR_DOCUMENT_DUPLICATE_CONFLICT', `draftKey "${body.draftKey}" was used for document ${row.id} with a different content`);
      return { id: row.id, created: false };
    }
    await recordDocumentStep(db, deps.alg, { id, sender: department(principal), document: doc }, [], { step: 'drafted', at, actor: actorName(principal), department: department(principal) });
    return { id, created: true };
  });
}

/** What a signed step signs: canonical JSON naming the document by id, 字号 and digest. */
function signFor(deps: DocumentDeps, member: string, what: Record<string, unknown>, at: Date): StepRecord['signed'] {
  const { signer, certificate: cert } = deps.trust.onBehalfSigner(member, at);
  const text = canonicalJson({ v: 1, ...what, at: formatTime(at) });
  const [signature] = signBatch(signer, member, cert, [text], formatTime(at));
  return { text, signature: signature! };
}

/** The idempotency check of a step: the same key and body again is a replay (true); another body is a conflict. */
async function replayed(db: Db, documentId: string, member: string, step: string, body: StepBody): Promise<{ replay: boolean; digest?: string }> {
  if (!body.requestKey) return { replay: false };
  const digest = digestHex('sha256', canonicalJson({ step, body }));
  const prior = await keyedEvent(db, documentId, member, body.requestKey);
  if (!prior) return { replay: false, digest };
  if (prior.request_digest !== digest) throw new GatewayError('GW_ERR_DOCUMENT_DUPLICATE_CONFLICT', `requestKey "${body.requestKey}" was used for another ${prior.step} request on this document`);
  return { replay: true, digest };
}

/** The document for a step; a department that may not see it gets 404, a party that does not take this step 403. */
async function lockForStep(db: Db, id: string, member: string, outgoing: boolean): Promise<{ doc: DocumentRow; receipt?: ReceiptRow }> {
  const doc = await readDocument(db, id, true);
  if (!doc) throw new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `no official document ${id}`);
  const isSender = doc.sender === member;
  const [receipt] = await readReceipts(db, id, member, true);
  if (!isSender && !receipt) throw new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `no official document ${id}`);
  if (outgoing && !isSender) throw new GatewayError('GW_ERR_DOCUMENT_NOT_PARTY', `only the sending department (${doc.sender}) takes the 发文 steps of document ${id}`);
  if (!outgoing && !receipt) throw new GatewayError('GW_ERR_DOCUMENT_NOT_PARTY', `the 收文 steps of document ${id} are taken by its addressees; your department sent it`);
  return { doc, receipt };
}

/** Asia/Shanghai calendar year of an instant. */
const shanghaiYear = (at: Date) => Number(formatTime(at).slice(0, 4));

/** A 发文 step (审核, 签发, 登记, 用印, 分发) by the sending department. */
export async function outgoingStep(deps: DocumentDeps, principal: Principal, id: string, step: OutgoingStep, body: StepBody): Promise<void> {
  const event = OUTGOING_STEPS[step];
  const member = department(principal);
  await deps.store.tx(async (db) => {
    const { doc } = await lockForStep(db, id, member, true);
    const key = await replayed(db, id, member, event, body);
    if (key.replay) return;
    const status = outgoingLifecycle.next(doc.status, event, id);
    const at = deps.clock.now();
    const record: StepRecord = { step: event, at, actor: actorName(principal), department: member, requestKey: body.requestKey, requestDigest: key.digest };
    if (body.comment !== undefined) record.detail = { comment: body.comment };
    const set: string[] = ['status = $2', 'updated_at = $3'];
    const params: unknown[] = [id, status, at];
    const add = (column: string, value: unknown, cast = '') => set.push(`${column} = $${params.push(value)}${cast}`);
    if (event === 'signed_off') {
      record.signed = signFor(deps, member, { kind: 'sign-off', document: id, digest: documentDigest(doc.document), by: actorName(principal) }, at);
    } else if (event === 'registered') {
      const agencyCode = body.agencyCode!;
      const year = body.year ?? shanghaiYear(at);
      const serial = await takeSerial(db, agencyCode, year);
      const text = `${agencyCode}〔${year}〕${serial}号`;
      doc.document = { ...doc.document, documentNumber: { text, normalized: text, agencyCode, year, serial } };
      add('agency_code', agencyCode);
      add('doc_year', year);
      add('doc_serial', serial);
      add('doc_number', text);
      add('document', JSON.stringify(doc.document), '::jsonb');
      record.detail = { ...record.detail, documentNumber: text };
    } else if (event === 'sealed') {
      const digest = documentDigest(doc.document);
      record.signed = signFor(deps, member, { kind: 'seal', document: id, number: doc.document.documentNumber?.normalized ?? null, digest }, at);
      const content = sealedBytes(doc.document, await attachmentsOf(db, id));
      const sesSignature = sealDocument(deps.trust, member, deps.member(member)?.name ?? member, content, at);
      const seal = { status: 'signed', format: 'batch-signature', authority: member, digest, signedText: record.signed!.text, signature: record.signed!.signature, sesSignature };
      add('seal', JSON.stringify(seal), '::jsonb');
    }
    await db.query(`UPDATE documents SET ${set.join(', ')} WHERE id = $1`, params);
    if (event !== 'distributed') {
      await recordDocumentStep(db, deps.alg, doc, [], record);
      return;
    }
    const all = [...doc.addressees.main.map((c) => ({ code: c, copy: false })), ...doc.addressees.copy.map((c) => ({ code: c, copy: true }))];
    const receipts = all.map((a) => ({ id: newId(), recipient: a.code, copy: a.copy }));
    await insertReceipts(db, id, receipts, doc.urgency_rank, at, null);
    record.detail = { ...record.detail, main: doc.addressees.main, copy: doc.addressees.copy };
    const queued = await queueStationPackages(db, deps, doc, receipts, systemOf(principal), at);
    if (queued.length) record.detail.station = queued;
    await recordDocumentStep(db, deps.alg, doc, receipts, record);
  });
}

/** New receipts (待签收) of a document: one per addressee department, in the given order. */
export async function insertReceipts(db: Db, documentId: string, receipts: { id: string; recipient: string; copy: boolean }[], rank: number, at: Date, from: string | null): Promise<void> {
  await db.query(
    `INSERT INTO document_receipts (id, document_id, recipient, copy, status, urgency_rank, forwarded_from, created_at, updated_at)
     SELECT t.id, $2, t.recipient, t.copy, '${receiptLifecycle.walk(['delivered'])}', $3, $5, $4, $4
     FROM unnest($1::uuid[], $6::text[], $7::boolean[]) WITH ORDINALITY AS t(id, recipient, copy, n) ORDER BY n`,
    [receipts.map((r) => r.id), documentId, rank, at, from, receipts.map((r) => r.recipient), receipts.map((r) => r.copy)],
  );
}

/** A 收文 step (签收, 登记, 拟办, 批办, 承办, 转办, 办结, 退回) by an addressee department on its receipt. */
export async function receiptStep(deps: DocumentDeps, principal: Principal, id: string, step: ReceiptStep, body: StepBody): Promise<void> {
  const event = RECEIPT_STEPS[step];
  const member = department(principal);
  await deps.store.tx(async (db) => {
    const { doc, receipt } = await lockForStep(db, id, member, false);
    const key = await replayed(db, id, member, event, body);
    if (key.replay) return;
    const status = receiptLifecycle.next(receipt!.status, event, `${id} at ${member}`);
    const at = deps.clock.now();
    const record: StepRecord = { step: event, at, actor: actorName(principal), department: member, requestKey: body.requestKey, requestDigest: key.digest };
    const detail: Record<string, unknown> = {};
    if (body.comment !== undefined) detail.comment = body.comment;
    const set: string[] = ['status = $2', 'updated_at = $3'];
    const params: unknown[] = [receipt!.id, status, at];
    const receiptOf = { kind: 'receipt', document: id, number: doc.document.documentNumber?.normalized ?? null, digest: documentDigest(doc.document), from: member, to: doc.sender };
    if (event === 'signed_for') record.signed = signFor(deps, member, { ...receiptOf, result: 'signed' }, at);
    else if (event === 'returned') {
      detail.reason = body.reason!;
      record.signed = signFor(deps, member, { ...receiptOf, result: 'returned', reasonDigest: { alg: 'sm3', value: digestHex('sm3', body.reason!) } }, at);
    } else if (event === 'assigned') {
      Object.assign(detail, { assignee: body.assignee!, deadline: body.deadline! });
      set.push(`assignee = $${params.push(body.assignee)}`, `deadline = $${params.push(body.deadline)}`);
    } else if (event === 'forwarded') {
      const to = body.to!;
      if (!deps.member(to)) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${to}"`);
      if (to === doc.sender || (await readReceipts(db, id, to)).length) {
        throw new GatewayError('GW_ERR_DOCUMENT_INVALID_TRANSITION', `${to} already holds document ${id}; forward it to another department`);
      }
      const next = { id: newId(), recipient: to, copy: false };
      await insertReceipts(db, id, [next], doc.urgency_rank, at, receipt!.id);
      detail.to = to;
      await db.query(`UPDATE document_receipts SET ${set.join(', ')} WHERE id = $1`, params);
      record.detail = detail;
      await recordDocumentStep(db, deps.alg, doc, [receipt!, next], record);
      return;
    }
    if (event === 'signed_for' || event === 'returned') {
      // a 收文 from the exchange station: the 回执 / 回退 goes back to its sender through the station
      const answer = event === 'signed_for' ? ({ kind: '回执' } as const) : ({ kind: '回退', reason: body.reason! } as const);
      const queued = await queueStationAnswer(db, deps, doc, receipt!, answer, record.signed, systemOf(principal), at);
      if (queued) detail.station = queued;
    }
    await db.query(`UPDATE document_receipts SET ${set.join(', ')} WHERE id = $1`, params);
    record.detail = detail;
    await recordDocumentStep(db, deps.alg, doc, [receipt!], record);
  });
}
