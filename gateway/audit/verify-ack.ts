import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import type { BundleMessage } from './bundle';
import { chainAt, describeCertificate, shortFp, type ReadEntry, type VerifyContext } from './verify-context';
import { Problems, type CheckLine, type Phrase, type Said } from './report';
import { legacyNote, noteOf, saidWithLegacy, verifyAnySignature } from './verify-signature';

/**
 * Part of check (c): the receiver's signed acknowledgement (签收 / 退回). The
 * receipt must be signed by the receiving department, be about this message and
 * payload, and its sha256 digest must be the one the log's acknowledged/rejected
 * entry names — so the log proves when the receiver answered, and the receipt
 * proves that it was the receiver's key. Pure.
 */
type Line = (ok: boolean, text: string, said: Said, extra?: { index?: number; fingerprint?: string; note?: CheckLine['note'] }) => void;

interface AckDetail {
  receipt?: { alg?: string; digest?: string };
  /** The reason's digest (free text never enters the log) … */
  reasonDigest?: { alg?: string; value?: string };
  /** … or, in logs written before that rule, the reason itself. */
  reason?: unknown;
}

/** The receipt carries the reason text; the entry names its digest (or, in older logs, the text). */
function reasonProblem(detail: AckDetail, reason: unknown): { en: string; said: Phrase } | null {
  if (detail.reasonDigest) {
    const { alg, value } = detail.reasonDigest;
    if (alg !== 'sha256' && alg !== 'sm3') return { en: `the entry's reasonDigest names an unknown algorithm ${String(alg)}`, said: { code: 'ack.reason-alg', params: { alg: String(alg) } } };
    if (typeof reason !== 'string') return { en: 'the entry names a reason digest but the receipt has no reason', said: { code: 'ack.reason-missing' } };
    return digestHex(alg, reason) === value ? null : { en: "the receipt's reason does not match the entry's reasonDigest", said: { code: 'ack.reason-differs' } };
  }
  if (detail.reason !== undefined && detail.reason !== reason) return { en: "the receipt's reason differs from the entry's", said: { code: 'ack.reason-differs' } };
  return null;
}

const answerEntries = (entries: ReadEntry[], id: string): ReadEntry[] =>
  entries.filter((e) => (e.parsed?.kind === 'message.acknowledged' || e.parsed?.kind === 'message.rejected') && e.parsed.message?.id === id);

export function checkAck(ctx: VerifyContext, m: BundleMessage, line: Line): void {
  const answers = answerEntries(ctx.entries, m.id);
  const named = answers.filter((e) => (e.parsed as { detail?: AckDetail }).detail?.receipt?.digest);
  const r = m.ackReceipt;
  if (!r) {
    for (const e of named) line(false, `entry #${e.raw.index} (${e.parsed!.kind}) names a signed acknowledgement that is not in the bundle`, [{ code: 'ack.not-bundled', params: { index: e.raw.index, kind: e.parsed!.kind } }], { index: e.raw.index });
    return;
  }
  if (typeof r !== 'object' || r === null || typeof r.signature !== 'object' || r.signature === null) return line(false, 'ackReceipt is not a signed receipt', [{ code: 'ack.not-signed' }]);
  const { signature: sig, ...body } = r;
  const h = m.envelope.header;
  const problems = new Problems();
  if (body.kind !== 'acknowledgement' || body.v !== 1) problems.add('ack.not-v1', 'it is not a v1 acknowledgement');
  if (body.id !== m.id) problems.add('ack.other-message', `it acknowledges message ${String(body.id)}`, { id: String(body.id) });
  if (body.messageId !== h.messageId || body.from !== h.sender || body.to !== h.receiver) problems.add('ack.header-differs', 'its messageId/from/to differ from the envelope header');
  if (canonicalJson(body.digest) !== canonicalJson(h.payloadDigest)) problems.add('ack.other-digest', 'it names another payload digest than the envelope header');
  if (sig.signer !== h.receiver) problems.add('ack.not-receiver', `it is signed by ${String(sig.signer)}, not the receiver ${h.receiver}`, { signer: String(sig.signer), receiver: h.receiver });
  const fp = String(sig.certificate);
  const pem = ctx.certs.get(fp);
  const check = pem ? verifyAnySignature(sig, canonicalJson(body), pem) : 'invalid';
  if (!pem) problems.add('ack.no-certificate', `certificate ${shortFp(fp)} is not in the bundle (or not under its own fingerprint)`, { fp: shortFp(fp) });
  else if (check === 'invalid') problems.add('ack.invalid', `the ${String(sig.alg)} signature does not verify with certificate ${shortFp(fp)}: the receipt or its signature was altered`, { alg: String(sig.alg), fp: shortFp(fp) });
  else {
    const ou = describeCertificate(pem).ou;
    if (ou !== null && ou !== h.receiver) problems.add('ack.other-holder', `certificate ${shortFp(fp)} is issued to OU=${ou}, not the receiver ${h.receiver}`, { fp: shortFp(fp), ou, receiver: h.receiver });
  }
  if (problems.length) line(false, `signed acknowledgement: ${problems.en.join('; ')}`, problems.said(), { fingerprint: fp });
  else {
    const said = saidWithLegacy(check, { code: 'ack.ok', params: { result: String(body.result), reason: body.reason ? String(body.reason) : '', receiver: h.receiver, fp: shortFp(fp) } });
    line(true, `signed acknowledgement (${body.result}${body.reason ? `: ${String(body.reason)}` : ''}) by ${h.receiver} verifies with certificate ${shortFp(fp)}${legacyNote(check)}`, said, { fingerprint: fp, ...noteOf(check) });
  }
  if (pem) {
    const chain = chainAt(ctx, fp, new Date(String(body.at)), 'acknowledgement');
    line(chain.ok, `acknowledgement ${chain.text}`, chain.said, { fingerprint: fp, ...(chain.note ? { note: chain.note } : {}) });
  }
  const digest = digestHex('sha256', canonicalJson(r));
  const kind = body.result === 'rejected' ? 'message.rejected' : 'message.acknowledged';
  const match = named.find((e) => (e.parsed as { detail?: AckDetail }).detail!.receipt!.digest === digest);
  if (!match) {
    const where = answers.length ? `entr${answers.length > 1 ? 'ies' : 'y'} ${answers.map((e) => `#${e.raw.index}`).join(', ')}` : 'no acknowledged/rejected entry';
    const entries = answers.map((e) => `#${e.raw.index}`).join('、');
    line(false, `no log entry names this acknowledgement's sha256 ${digest.slice(0, 16)}… (${where} in the bundle): the receipt or the entry was altered or removed`, [{ code: 'ack.unlogged', params: { digest: `${digest.slice(0, 16)}…`, entries } }]);
  } else if (match.parsed!.kind !== kind) {
    line(false, `entry #${match.raw.index} is ${match.parsed!.kind} but the receipt says ${String(body.result)}`, [{ code: 'ack.kind-differs', params: { index: match.raw.index, kind: match.parsed!.kind, result: String(body.result) } }], { index: match.raw.index });
  } else {
    line(true, `entry #${match.raw.index} (${kind}, ${match.parsed!.at}) names this acknowledgement's sha256 ${digest.slice(0, 16)}…`, [{ code: 'ack.logged', params: { index: match.raw.index, kind, at: String(match.parsed!.at), digest: `${digest.slice(0, 16)}…` } }], { index: match.raw.index });
    const problem = reasonProblem((match.parsed as { detail?: AckDetail }).detail ?? {}, body.reason ?? undefined);
    if (problem) line(false, `entry #${match.raw.index}: ${problem.en}`, [problem.said], { index: match.raw.index });
  }
}
