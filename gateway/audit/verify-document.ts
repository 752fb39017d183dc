import { canonicalJson } from '../crypto/canonical';
import { digestHex, type DigestAlg } from '../crypto/digest';
import { parseSesSignature } from '../documents/ses';
import { sealedBytes, verifySesSignature } from '../documents/seal-verify';
import type { DocumentEvidenceBundle, DocumentBundleStep } from './document-bundle';
import { DOCUMENT_EVIDENCE_FORMAT } from './document-bundle';
import { Problems, type CheckLine, type Phrase, type Said } from './report';
import { chainAt, shortFp, type LogContext, type ReadEntry } from './verify-context';
import { verifyLogPart, type VerifyOptions } from './verify-log';
import { isIndex, isObj, isStr, logShapeProblems, signatureProblems } from './verify-shape';
import { legacyNote, noteOf, saidWithLegacy, verifyAnySignature } from './verify-signature';

/**
 * The offline verifier of a 公文's evidence bundle (document-bundle.ts), pure: the log part
 * shared with case bundles (checkpoint, entries, certificates), then (c) the document's digest
 * against its last log entry, (d) each signed step's text, signature and certificate chain,
 * and (e) the GB/T 38540 seal signature over the document and its attachments.
 */
type Ctx = LogContext & { bundle: DocumentEvidenceBundle };

const DIGEST_ALGS: readonly string[] = ['sha256', 'sm3'];
const digestOf = (alg: string, text: string | Buffer): string | null => (DIGEST_ALGS.includes(alg) ? digestHex(alg as DigestAlg, text) : null);

export function documentShapeProblems(b: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (b.format !== DOCUMENT_EVIDENCE_FORMAT) p.push(`format is ${JSON.stringify(b.format)}, expected "${DOCUMENT_EVIDENCE_FORMAT}"`);
  if (!isStr(b.documentId)) p.push('documentId is not a string');
  p.push(...logShapeProblems(b));
  const d = b.document;
  if (!isObj(d) || !isStr(d.sender) || !isObj(d.content) || !Array.isArray(d.attachments)) p.push('document must be {sender, content, attachments: [..]}');
  if (!Array.isArray(b.signedSteps)) p.push('signedSteps is not a list');
  else
    b.signedSteps.forEach((s: unknown, i) => {
      if (!isObj(s) || !isIndex(s.index) || !isStr(s.step) || !isStr(s.signedText)) return void p.push(`signedSteps[${i}] must be {index, step, signedText, signature}`);
      p.push(...signatureProblems(s.signature, `signedSteps[${i}].signature`, ['signer', 'alg', 'certificate', 'value']));
    });
  const seal = b.seal;
  if (seal !== null && !(isObj(seal) && (isStr(seal.der) || isStr(seal.unsupported)))) p.push('seal must be null, {der} or {unsupported}');
  return p;
}

/** (c) The document as bundled is the one the last entry of its route names (by SM3 of its canonical JSON). */
function checkDocument(ctx: Ctx): void {
  const { document: d, documentId } = ctx.bundle;
  const line = (ok: boolean, text: string, said: Phrase, index?: number) => void ctx.lines.push({ group: 'document', ok, subject: `document ${documentId}`, text, said: [said], ...(index !== undefined ? { index } : {}) });
  const named = ctx.entries.filter((e) => e.parsed?.document);
  const last = named.reduce<ReadEntry | undefined>((a, e) => (!a || e.raw.index > a.raw.index ? e : a), undefined);
  if (!last) return line(false, 'no log entry of the bundle names the document', { code: 'document.unnamed' });
  const want = last.parsed!.document!.digest;
  const have = digestOf(want?.alg, canonicalJson(d.content));
  const at = `entry #${last.raw.index} (${last.parsed!.kind})`;
  const params = { alg: String(want?.alg), have: `${(have ?? '?').slice(0, 16)}…`, want: `${String(want?.value).slice(0, 16)}…`, index: last.raw.index, kind: last.parsed!.kind };
  if (have === null || have !== want.value) line(false, `the ${String(want?.alg)} digest of the document (${(have ?? '?').slice(0, 16)}…) is not the one its last log ${at} names (${String(want?.value).slice(0, 16)}…): the document was altered`, { code: 'document.digest-differs', params }, last.raw.index);
  else line(true, `the sm3 digest of the canonical document ${have.slice(0, 16)}… is the one its last log ${at} names`, { code: 'document.digest', params }, last.raw.index);
  const senders = new Set(named.map((e) => e.parsed!.document!.sender));
  if (senders.size !== 1 || !senders.has(d.sender)) line(false, `the log names the sender ${[...senders].join(', ')}, the bundle ${d.sender}`, { code: 'document.sender-differs', params: { logged: [...senders].join('、'), bundled: d.sender } });
}

/** (d) One signed step: its entry names the text's digest, the signature verifies, the certificate chains at the step's time. */
function checkSignedStep(ctx: Ctx, s: DocumentBundleStep): void {
  const e = ctx.entries.find((x) => x.raw.index === s.index)?.parsed;
  const problems = new Problems();
  const notes: string[] = [];
  const passed: Phrase[] = [];
  let note: CheckLine['note'];
  const { signer, alg } = s.signature;
  if (!e) problems.add('signed-step.no-entry', `its log entry #${s.index} is not in the bundle`, { index: s.index });
  else {
    if (e.kind !== `document.${s.step}`) problems.add('signed-step.kind', `entry #${s.index} is a ${e.kind}, not document.${s.step}`, { index: s.index, kind: e.kind, step: s.step });
    const td = e.signature?.textDigest;
    if (!td) problems.add('signed-step.no-text-digest', `entry #${s.index} names no signed text`, { index: s.index });
    else if (digestOf(td.alg, s.signedText) !== td.value) problems.add('signed-step.text-altered', `the ${td.alg} digest of the signed text is not the one entry #${s.index} names: the signed text was altered`, { alg: String(td.alg), index: s.index });
    if (e.signature && e.signature.signer !== signer) problems.add('signed-step.signer-differs', `entry #${s.index} names the signer ${e.signature.signer}, the signature ${signer}`, { index: s.index, logged: e.signature.signer, signer });
  }
  try {
    if ((JSON.parse(s.signedText) as { document?: unknown }).document !== ctx.bundle.documentId) problems.add('signed-step.other-document', 'the signed text names another document');
  } catch {
    problems.add('signed-step.not-json', 'the signed text is not JSON');
  }
  const pem = ctx.certs.get(s.signature.certificate);
  if (!pem) problems.add('signed-step.no-certificate', `the certificate ${shortFp(s.signature.certificate)} that signed it is not in the bundle`, { fp: shortFp(s.signature.certificate) });
  else {
    const check = verifyAnySignature(s.signature, s.signedText, pem);
    if (check === 'invalid') problems.add('signed-step.invalid', `the ${signer} signature (${alg}) over the signed text does not verify`, { signer, alg });
    else {
      notes.push(`signed by ${signer} (${alg})${legacyNote(check)}`);
      passed.push(...saidWithLegacy(check, { code: 'signed-step.ok', params: { signer, alg } }));
      note = noteOf(check).note;
    }
    if (e) {
      const chain = chainAt(ctx, s.signature.certificate, new Date(e.at), 'step');
      if (chain.ok) {
        notes.push(chain.text);
        passed.push(...chain.said);
      } else for (const p of chain.said) problems.add(p.code, chain.text, p.params);
    }
  }
  ctx.lines.push({
    group: 'signatures',
    ok: problems.length === 0,
    subject: `step ${s.step} (entry #${s.index})`,
    text: problems.length ? problems.en.join('; ') : notes.join('; '),
    said: problems.length ? problems.said() : (passed as Said),
    index: s.index,
    ...(note ? { note } : {}),
  });
}

function checkSignedSteps(ctx: Ctx): void {
  for (const s of ctx.bundle.signedSteps) checkSignedStep(ctx, s);
  for (const e of ctx.entries) {
    if (e.parsed?.signature && !ctx.bundle.signedSteps.some((s) => s.index === e.raw.index)) {
      ctx.lines.push({ group: 'signatures', ok: false, subject: `entry #${e.raw.index} (${e.parsed.kind})`, text: 'the log says this step was signed, but the bundle has no signed text for it', said: [{ code: 'signed-step.unbundled' }], index: e.raw.index });
    }
  }
}

/** (e) The GB/T 38540 seal signature over the document and attachments, its certificates, and that the 用印 department made it. */
function checkSeal(ctx: Ctx): void {
  const { seal, document: d } = ctx.bundle;
  const sealed = ctx.entries.find((e) => e.parsed?.kind === 'document.sealed');
  const line = (ok: boolean, text: string, said: Said) => void ctx.lines.push({ group: 'seal', ok, subject: 'seal (GB/T 38540 SES_Signature)', text, said, ...(sealed ? { index: sealed.raw.index } : {}) });
  if (seal === null) {
    return sealed
      ? line(false, `the log says the document was sealed (entry #${sealed.raw.index}), but the bundle has no seal`, [{ code: 'seal.missing', params: { index: sealed.raw.index } }])
      : line(true, 'not sealed yet (no 用印 entry in the log)', [{ code: 'seal.not-yet' }]);
  }
  if ('unsupported' in seal) return line(true, `no SES_Signature: ${seal.unsupported} (the 用印 step's batch signature stands)`, [{ code: 'seal.unsupported', params: { reason: seal.unsupported } }]);
  const der = Buffer.from(seal.der, 'base64');
  let parsed;
  try {
    parsed = parseSesSignature(der);
  } catch (err) {
    return line(false, `not a GB/T 38540 SES_Signature: ${(err as Error).message}`, [{ code: 'seal.unreadable', params: { reason: (err as Error).message } }]);
  }
  const signedAt = parsed.timeInfo;
  // fingerprints are SHA-256 of the DER, as the bundle's certificates are listed
  const maker = digestHex('sha256', parsed.seal.makerCert);
  const signer = digestHex('sha256', parsed.signerCert);
  const check = verifySesSignature(der, sealedBytes(d.content, d.attachments), { trustedMaker: (fp) => fp === maker && chainAt(ctx, fp, signedAt, 'seal maker').ok });
  if (check.status === 'invalid') line(false, `${check.reason}`, [{ code: 'seal.invalid', params: { reason: check.reason } }]);
  else {
    line(true, `seal "${check.sealName}" (${check.esID}): the maker's and the signer's SM2 signatures verify (GM/T 0009 default ID); the data hash is SM3 of the document and its ${d.attachments.length} attachment(s) by digest`, [
      { code: 'seal.ok', params: { name: check.sealName, esID: check.esID, attachments: d.attachments.length } },
    ]);
  }
  for (const [who, role, fp] of [['maker (制章人)', 'seal maker', maker], ['signer (签章人)', 'seal signer', signer]] as const) {
    const chain = chainAt(ctx, fp, signedAt, role);
    line(chain.ok, `${who}: ${chain.text}`, chain.said);
  }
  if (!sealed) return line(false, 'no document.sealed entry in the log for this seal', [{ code: 'seal.no-entry' }]);
  const step = ctx.bundle.signedSteps.find((s) => s.index === sealed.raw.index);
  const problems = new Problems();
  if (step && step.signature.certificate !== signer) problems.add('seal.other-signer', `the seal's signer ${shortFp(signer)} is not the certificate that signed the 用印 step (${shortFp(step.signature.certificate)})`, { seal: shortFp(signer), step: shortFp(step.signature.certificate) });
  if (Math.abs(new Date(sealed.parsed!.at).getTime() - signedAt.getTime()) >= 1000) problems.add('seal.time', `signed at ${signedAt.toISOString()}, not at the 用印 entry's time ${sealed.parsed!.at}`, { signed: signedAt.toISOString(), at: String(sealed.parsed!.at) });
  line(problems.length === 0, problems.length ? problems.en.join('; ') : `made at the 用印 step (entry #${sealed.raw.index}) by the department that signed it`, problems.length ? problems.said() : [{ code: 'seal.at-step', params: { index: sealed.raw.index } }]);
}

/** Verifies a 公文 evidence bundle whose shape was checked; pushes its lines; returns the context (null if it stopped). */
export function verifyDocumentBundle(bundle: DocumentEvidenceBundle, opts: VerifyOptions, lines: CheckLine[]): { ctx: Ctx; fps: string[] } {
  const formatLine: Pick<CheckLine, 'text' | 'said'> = {
    text: `${bundle.format}, document ${bundle.documentId}, created ${String(bundle.createdAt)}`,
    said: [{ code: 'document.format', params: { format: bundle.format, documentId: bundle.documentId, createdAt: String(bundle.createdAt) } }],
  };
  const { ctx, fps } = verifyLogPart(bundle, opts, lines, formatLine, (e) =>
    e.kind.startsWith('document.') && e.document?.id === bundle.documentId
      ? null
      : { code: 'entry.other-document', en: `the entry is about ${e.document ? `document ${JSON.stringify(e.document.id)}` : 'no document'}, not ${bundle.documentId}`, params: { documentId: e.document ? JSON.stringify(e.document.id) : '', bundleDocument: bundle.documentId } },
  );
  checkDocument(ctx);
  checkSignedSteps(ctx);
  checkSeal(ctx);
  return { ctx, fps };
}
