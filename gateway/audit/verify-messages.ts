import { canonicalJson } from '../crypto/canonical';
import { digestHex, type DigestAlg } from '../crypto/digest';
import { signedTextFor, type EnvelopeHeader } from '../crypto/envelope';
import type { BundleMessage } from './bundle';
import { Problems, type CheckLine, type Phrase, type Said } from './report';
import { chainAt, describeCertificate, shortFp, type ParsedEntry, type ReadEntry, type VerifyContext } from './verify-context';
import { isBatchedSignature, legacyNote, noteOf, manifestTime, saidWithLegacy, verifyAnySignature } from './verify-signature';
import { checkAck } from './verify-ack';

/** Checks (c) messages and (d) message steps of the offline verifier. Pure. */
const DIGEST_ALGS: readonly string[] = ['sha256', 'sm3'];

const digestOf = (alg: string, text: string): string | null => (DIGEST_ALGS.includes(alg) ? digestHex(alg as DigestAlg, text) : null);

const same = (a: unknown, b: unknown): boolean => {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
};

/** The fields an entry's `message` must share with the envelope header, added to `problems` under `code`. */
function headerMismatches(entry: ParsedEntry, h: EnvelopeHeader, problems: Problems, code: 'received.field-differs' | 'step.field-differs'): void {
  const m = entry.message!;
  const want: [string, unknown, unknown][] = [
    ['messageId', m.messageId, h.messageId],
    ['from', m.from, h.sender],
    ['to', m.to, h.receiver],
    ['type', m.type, h.type],
    ['caseId', m.caseId, h.caseId],
  ];
  if (entry.kind === 'message.received') want.push(['purpose', m.purpose, h.purpose]);
  for (const [k, a, b] of want.filter(([, x, y]) => x !== y)) {
    problems.add(code, `${k} ${JSON.stringify(a)} ≠ envelope ${JSON.stringify(b)}`, { field: k, entry: JSON.stringify(a) ?? 'undefined', envelope: JSON.stringify(b) ?? 'undefined' });
  }
}

const receivedOf = (entries: ReadEntry[], id: string): ReadEntry[] =>
  entries.filter((e) => e.parsed?.kind === 'message.received' && e.parsed.message?.id === id);

/** The most a department's own signing time can be from the time the log recorded the message (the largest trust.maxClockSkewSeconds). */
const MAX_SKEW_MS = 3600_000;

/** Signed on the department's behalf, the header's time is the receiving time itself; signed by the department, it is close to it. */
function timeMismatch(m: BundleMessage, p: ParsedEntry, problems: Problems): void {
  const signed = new Date(m.envelope.header.time).getTime();
  const recorded = new Date(p.at).getTime();
  const onBehalf = m.envelope.signatures.some((s) => s.role === 'sender' && s.onBehalf);
  const params = { time: String(m.envelope.header.time), at: String(p.at) };
  if (onBehalf && signed !== recorded) problems.add('received.time-on-behalf', `the envelope time ${m.envelope.header.time} is not the time the log recorded (${p.at})`, params);
  else if (!onBehalf && !(Math.abs(signed - recorded) <= MAX_SKEW_MS)) problems.add('received.time-skew', `the sender's signing time ${m.envelope.header.time} is more than an hour from the time the log recorded (${p.at})`, params);
}

type Say = (ok: boolean, text: string, said: Phrase) => void;

function checkPayload(m: BundleMessage, line: Say): void {
  const h = m.envelope.header;
  const alg = h.payloadDigest.alg;
  if (m.payload === null && m.retention?.mode === 'drop') {
    return line(true, `payload dropped by the retention policy at ${m.retention.at}: its content cannot be checked; the signed header's ${alg} digest ${h.payloadDigest.value.slice(0, 16)}… names it`, { code: 'payload.dropped', params: { at: m.retention.at, alg, digest: `${h.payloadDigest.value.slice(0, 16)}…` } });
  }
  let canonical: string;
  try {
    canonical = canonicalJson(m.payload);
  } catch (err) {
    return line(false, `the payload cannot be canonicalised: ${(err as Error).message}`, { code: 'payload.not-canonical', params: { reason: (err as Error).message } });
  }
  if (m.payloadCanonical !== undefined && m.payloadCanonical !== canonical) {
    return line(false, 'payloadCanonical is not the canonical JSON of payload: one of them was altered', { code: 'payload.canonical-differs' });
  }
  const d = digestOf(alg, canonical);
  if (d === h.payloadDigest.value) line(true, `payload ${alg} digest ${d.slice(0, 16)}… equals envelope.header.payloadDigest`, { code: 'payload.digest', params: { alg, digest: `${d.slice(0, 16)}…` } });
  else line(false, `the payload's ${alg} digest does not equal envelope.header.payloadDigest: the payload or the header was altered`, { code: 'payload.digest-differs', params: { alg } });
}

function checkSignatures(ctx: VerifyContext, m: BundleMessage, at: Date, line: (ok: boolean, text: string, said: Said, fp?: string, note?: CheckLine['note']) => void): void {
  const { header: h, signatures } = m.envelope;
  const sender = signatures.find((s) => s.role === 'sender');
  if (!sender) line(false, 'the envelope has no sender signature', [{ code: 'signature.no-sender' }]);
  for (const s of signatures) {
    const fp = s.certificate;
    const pem = ctx.certs.get(fp);
    const who = `${s.role} signature (${s.alg}${isBatchedSignature(s) ? `, batch leaf #${s.index}` : ''}) by ${s.signer}`;
    const sig = { role: s.role, alg: s.alg, signer: s.signer, fp: shortFp(fp), ...(isBatchedSignature(s) ? { leaf: s.index } : {}) };
    if (s.role === 'sender' && s.signer !== h.sender) line(false, `${who}: the signer is not the sender ${h.sender}`, [{ code: 'signature.not-sender', params: { ...sig, sender: h.sender } }], fp);
    if (!pem) {
      line(false, `${who}: certificate ${shortFp(fp)} is not in the bundle (or not under its own fingerprint)`, [{ code: 'signature.no-certificate', params: sig }], fp);
      continue;
    }
    const cert = describeCertificate(pem);
    const text = signedTextFor(s.role, h, sender?.value);
    const check = verifyAnySignature(s, text, pem);
    if (check === 'invalid') {
      line(false, `${who} does not verify over the canonical header with certificate ${shortFp(fp)}: the header or the signature was altered`, [{ code: 'signature.invalid', params: sig }], fp);
    } else if (s.role === 'sender' && cert.ou !== null && cert.ou !== h.sender) {
      line(false, `${who} verifies, but certificate ${shortFp(fp)} is issued to ${cert.text}, not to the sender ${h.sender}`, [{ code: 'signature.other-holder', params: { ...sig, subject: cert.text, sender: h.sender } }], fp);
    } else {
      const said = saidWithLegacy(check, { code: s.onBehalf ? 'signature.ok-on-behalf' : 'signature.ok', params: { ...sig, subject: cert.text } });
      line(true, `${who} verifies with certificate ${shortFp(fp)} (${cert.text})${s.onBehalf ? ', made by the gateway on the department\'s behalf' : ''}${legacyNote(check)}`, said, fp, noteOf(check).note);
    }
    const chain = chainAt(ctx, fp, at, s.role);
    line(chain.ok, `${s.role} ${chain.text}`, chain.said, fp, chain.note);
  }
}

function checkReceived(ctx: VerifyContext, m: BundleMessage, received: ReadEntry[], line: (ok: boolean, text: string, said: Said, index?: number) => void): void {
  if (received.length === 0) return line(false, 'no message.received entry for this message in the bundle: the entry was removed or the message does not belong here', [{ code: 'received.none' }]);
  if (received.length > 1) {
    const entries = received.map((e) => `#${e.raw.index}`).join(', ');
    return line(false, `recorded as received ${received.length} times (entries ${entries})`, [{ code: 'received.many', params: { count: received.length, entries } }]);
  }
  const e = received[0];
  const p = e.parsed!;
  const h = m.envelope.header;
  const problems = new Problems();
  headerMismatches(p, h, problems, 'received.field-differs');
  if (h.caseId !== ctx.bundle.caseId) problems.add('received.other-case', `the envelope is about case ${JSON.stringify(h.caseId)}, not ${ctx.bundle.caseId}`, { caseId: JSON.stringify(h.caseId) ?? 'undefined', bundleCase: ctx.bundle.caseId });
  if (!same(p.payloadDigest, h.payloadDigest)) problems.add('received.payload-digest', 'the entry names another payload digest than the envelope header');
  timeMismatch(m, p, problems);
  const rec = p.envelope?.digest;
  const envDigest = rec ? digestOf(rec.alg, canonicalJson(m.envelope)) : null;
  if (!rec || envDigest !== rec.value) problems.add('received.envelope-digest', `the entry's envelope digest is not ${rec?.alg ?? 'sha256'}(canonical envelope): the envelope (header or signatures) was altered`, { alg: rec?.alg ?? 'sha256' });
  const sigs = m.envelope.signatures.map(({ role, signer, onBehalf, alg, certificate }) => ({ role, signer, onBehalf, alg, certificate }));
  if (!same(p.envelope?.signatures, sigs)) problems.add('received.signatures-differ', 'the entry lists other signatures than the envelope carries');
  if (problems.length) line(false, `entry #${e.raw.index} (message.received): ${problems.en.join('; ')}`, problems.said({ code: 'received.entry', params: { index: e.raw.index } }), e.raw.index);
  else line(true, `entry #${e.raw.index} (message.received, ${p.at}) names this message, its payload digest and envelope digest ${envDigest!.slice(0, 16)}…`, [{ code: 'received.ok', params: { index: e.raw.index, at: p.at, digest: `${envDigest!.slice(0, 16)}…` } }], e.raw.index);
}

/** (c) Each message: payload digest, signatures and their certificate chains, and its received entry. */
export function checkMessages(ctx: VerifyContext): void {
  const seen = new Set<string>();
  for (const m of ctx.bundle.messages) {
    const h = m.envelope.header;
    const subject = `message ${m.id} (${h.sender} → ${h.receiver}, ${h.type} "${h.messageId}")`;
    const push = (l: Omit<CheckLine, 'group' | 'subject' | 'messageId'>) => ctx.lines.push({ group: 'messages', subject, messageId: m.id, ...l });
    if (seen.has(m.id)) push({ ok: false, text: 'this message appears twice in the bundle', said: [{ code: 'message.twice' }] });
    seen.add(m.id);
    const received = receivedOf(ctx.entries, m.id);
    // The time the log recorded the message (signed by the checkpoint); else the time the batch manifest claims.
    let at = new Date(received[0]?.parsed?.at ?? NaN);
    if (Number.isNaN(at.getTime())) at = (m.envelope.signatures[0] && manifestTime(m.envelope.signatures[0])) ?? at;
    checkPayload(m, (ok, text, said) => push({ ok, text, said: [said] }));
    checkSignatures(ctx, m, at, (ok, text, said, fingerprint, note) => push({ ok, text, said, fingerprint, ...(note ? { note } : {}) }));
    checkReceived(ctx, m, received, (ok, text, said, index) => push({ ok, text, said, index }));
    checkAck(ctx, m, (ok, text, said, extra) => push({ ok, text, said, ...extra }));
  }
}

/** (d) Every entry names a message of the bundle, agrees with its header, and follows its receipt. */
export function checkSteps(ctx: VerifyContext): void {
  const byId = new Map(ctx.bundle.messages.map((m) => [m.id, m]));
  for (const { raw, parsed } of ctx.entries) {
    if (!parsed || parsed.kind === 'service.called') continue; // reported under (b) / (e)
    const subject = `entry #${raw.index} (${parsed.kind})`;
    const push = (ok: boolean, text: string, said: Said, messageId?: string) => ctx.lines.push({ group: 'steps', ok, subject, text, said, index: raw.index, messageId });
    if (parsed.kind === 'supervision.card_raised') {
      push(true, `a ${parsed.card} card (${parsed.colour}) on the branch of ${parsed.department}, due ${parsed.dueOn}: a supervision record, no message step`, [{ code: 'step.card', params: { card: String(parsed.card), colour: String(parsed.colour), department: String(parsed.department), dueOn: String(parsed.dueOn) } }]);
      continue;
    }
    const id = parsed.message?.id;
    if (typeof id !== 'string') {
      push(false, 'names no message', [{ code: 'step.no-message' }]);
      continue;
    }
    const m = byId.get(id);
    if (!m) {
      push(false, `refers to message ${id}, which is not in the bundle`, [{ code: 'step.unknown-message', params: { id } }], id);
      continue;
    }
    const problems = new Problems();
    headerMismatches(parsed, m.envelope.header, problems, 'step.field-differs');
    if (parsed.kind !== 'message.received') {
      const rec = receivedOf(ctx.entries, id)[0];
      if (!rec) problems.add('step.not-received', `message ${id} has no message.received entry in the bundle`, { id });
      else if (rec.raw.index > raw.index) problems.add('step.before-received', `comes before the message was received (entry #${rec.raw.index})`, { index: rec.raw.index });
    }
    if (problems.length) push(false, `message ${id}: ${problems.en.join('; ')}`, problems.said(), id);
    else push(true, `→ message ${id} (${m.envelope.header.sender} → ${m.envelope.header.receiver}) at ${parsed.at}`, [{ code: 'step.ok', params: { id, from: m.envelope.header.sender, to: m.envelope.header.receiver, at: parsed.at } }], id);
  }
}
