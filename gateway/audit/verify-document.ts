import { canonicalJson } from '../crypto/canonical';
import { digestHex, type DigestAlg } from '../crypto/digest';
import { parseSesSignature } from '../documents/ses';
import { sealedBytes, verifySesSignature } from '../documents/seal-verify';
import type { DocumentEvidenceBundle, DocumentBundleStep } from './document-bundle';
import { DOCUMENT_EVIDENCE_FORMAT } from './document-bundle';
import type { CheckLine } from './report';
import { chainAt, shortFp, type LogContext, type ReadEntry } from './verify-context';
import { verifyLogPart, type VerifyOptions } from './verify-log';
import { isIndex, isObj, isStr, logShapeProblems, signatureProblems } from './verify-shape';
import { legacyNote, noteOf, verifyAnySignature } from './verify-signature';

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
  const line = (ok: boolean, text: string, index?: number) => void ctx.lines.push({ group: 'document', ok, subject: `document ${documentId}`, text, ...(index !== undefined ? { index } : {}) });
  const named = ctx.entries.filter((e) => e.parsed?.document);
  const last = named.reduce<ReadEntry | undefined>((a, e) => (!a || e.raw.index > a.raw.index ? e : a), undefined);
  if (!last) return line(false, 'no log entry of the bundle names the document');
  const want = last.parsed!.document!.digest;
  const have = digestOf(want?.alg, canonicalJson(d.content));
  const at = `entry #${last.raw.index} (${last.parsed!.kind})`;
  if (have === null || have !== want.value) line(false, `the ${String(want?.alg)} digest of the document (${(have ?? '?').slice(0, 16)}…) is not the one its last log ${at} names (${String(want?.value).slice(0, 16)}…): the document was altered`, last.raw.index);
  else line(true, `the sm3 digest of the canonical document ${have.slice(0, 16)}… is the one its last log ${at} names`, last.raw.index);
  const senders = new Set(named.map((e) => e.parsed!.document!.sender));
  if (senders.size !== 1 || !senders.has(d.sender)) line(false, `the log names the sender ${[...senders].join(', ')}, the bundle ${d.sender}`);
}

/** (d) One signed step: its entry names the text's digest, the signature verifies, the certificate chains at the step's time. */
function checkSignedStep(ctx: Ctx, s: DocumentBundleStep): void {
  const e = ctx.entries.find((x) => x.raw.index === s.index)?.parsed;
  const problems: string[] = [];
  const notes: string[] = [];
  let note: CheckLine['note'];
  if (!e) problems.push(`its log entry #${s.index} is not in the bundle`);
  else {
    if (e.kind !== `document.${s.step}`) problems.push(`entry #${s.index} is a ${e.kind}, not document.${s.step}`);
    const td = e.signature?.textDigest;
    if (!td) problems.push(`entry #${s.index} names no signed text`);
    else if (digestOf(td.alg, s.signedText) !== td.value) problems.push(`the ${td.alg} digest of the signed text is not the one entry #${s.index} names: the signed text was altered`);
    if (e.signature && e.signature.signer !== s.signature.signer) problems.push(`entry #${s.index} names the signer ${e.signature.signer}, the signature ${s.signature.signer}`);
  }
  try {
    if ((JSON.parse(s.signedText) as { document?: unknown }).document !== ctx.bundle.documentId) problems.push('the signed text names another document');
  } catch {
    problems.push('the signed text is not JSON');
  }
  const pem = ctx.certs.get(s.signature.certificate);
  if (!pem) problems.push(`the certificate ${shortFp(s.signature.certificate)} that signed it is not in the bundle`);
  else {
    const check = verifyAnySignature(s.signature, s.signedText, pem);
    if (check === 'invalid') problems.push(`the ${s.signature.signer} signature (${s.signature.alg}) over the signed text does not verify`);
    else {
      notes.push(`signed by ${s.signature.signer} (${s.signature.alg})${legacyNote(check)}`);
      note = noteOf(check).note;
    }
    if (e) {
      const chain = chainAt(ctx, s.signature.certificate, new Date(e.at), 'step');
      if (chain.ok) notes.push(chain.text);
      else problems.push(chain.text);
    }
  }
  ctx.lines.push({
    group: 'signatures',
    ok: problems.length === 0,
    subject: `step ${s.step} (entry #${s.index})`,
    text: problems.length ? problems.join('; ') : notes.join('; '),
    index: s.index,
    ...(note ? { note } : {}),
  });
}

function checkSignedSteps(ctx: Ctx): void {
  for (const s of ctx.bundle.signedSteps) checkSignedStep(ctx, s);
  for (const e of ctx.entries) {
    if (e.parsed?.signature && !ctx.bundle.signedSteps.some((s) => s.index === e.raw.index)) {
      ctx.lines.push({ group: 'signatures', ok: false, subject: `entry #${e.raw.index} (${e.parsed.kind})`, text: 'the log says this step was signed, but the bundle has no signed text for it', index: e.raw.index });
    }
  }
}

/** (e) The GB/T 38540 seal signature over the document and attachments, its certificates, and that the 用印 department made it. */
function checkSeal(ctx: Ctx): void {
  const { seal, document: d } = ctx.bundle;
  const sealed = ctx.entries.find((e) => e.parsed?.kind === 'document.sealed');
  const line = (ok: boolean, text: string) => void ctx.lines.push({ group: 'seal', ok, subject: 'seal (GB/T 38540 SES_Signature)', text, ...(sealed ? { index: sealed.raw.index } : {}) });
  if (seal === null) return sealed ? line(false, `the log says the document was sealed (entry #${sealed.raw.index}), but the bundle has no seal`) : line(true, 'not sealed yet (no 用印 entry in the log)');
  if ('unsupported' in seal) return line(true, `no SES_Signature: ${seal.unsupported} (the 用印 step's batch signature stands)`);
  const der = Buffer.from(seal.der, 'base64');
  let parsed;
  try {
    parsed = parseSesSignature(der);
  } catch (err) {
    return line(false, `not a GB/T 38540 SES_Signature: ${(err as Error).message}`);
  }
  const signedAt = parsed.timeInfo;
  // fingerprints are SHA-256 of the DER, as the bundle's certificates are listed
  const maker = digestHex('sha256', parsed.seal.makerCert);
  const signer = digestHex('sha256', parsed.signerCert);
  const check = verifySesSignature(der, sealedBytes(d.content, d.attachments), { trustedMaker: (fp) => fp === maker && chainAt(ctx, fp, signedAt, 'seal maker').ok });
  if (check.status === 'invalid') line(false, `${check.reason}`);
  else line(true, `seal "${check.sealName}" (${check.esID}): the maker's and the signer's SM2 signatures verify (GM/T 0009 default ID); the data hash is SM3 of the document and its ${d.attachments.length} attachment(s) by digest`);
  for (const [who, fp] of [['maker (制章人)', maker], ['signer (签章人)', signer]] as const) {
    const chain = chainAt(ctx, fp, signedAt, who);
    line(chain.ok, `${who}: ${chain.text}`);
  }
  if (!sealed) return line(false, 'no document.sealed entry in the log for this seal');
  const step = ctx.bundle.signedSteps.find((s) => s.index === sealed.raw.index);
  const problems: string[] = [];
  if (step && step.signature.certificate !== signer) problems.push(`the seal's signer ${shortFp(signer)} is not the certificate that signed the 用印 step (${shortFp(step.signature.certificate)})`);
  if (Math.abs(new Date(sealed.parsed!.at).getTime() - signedAt.getTime()) >= 1000) problems.push(`signed at ${signedAt.toISOString()}, not at the 用印 entry's time ${sealed.parsed!.at}`);
  line(problems.length === 0, problems.length ? problems.join('; ') : `made at the 用印 step (entry #${sealed.raw.index}) by the department that signed it`);
}

/** Verifies a 公文 evidence bundle whose shape was checked; pushes its lines; returns the context (null if it stopped). */
export function verifyDocumentBundle(bundle: DocumentEvidenceBundle, opts: VerifyOptions, lines: CheckLine[]): { ctx: Ctx; fps: string[] } {
  const formatLine = { text: `${bundle.format}, document ${bundle.documentId}, created ${String(bundle.createdAt)}` };
  const { ctx, fps } = verifyLogPart(bundle, opts, lines, formatLine, (e) =>
    e.kind.startsWith('document.') && e.document?.id === bundle.documentId
      ? null
      : { code: 'entry.other-document', en: `the entry is about ${e.document ? `document ${JSON.stringify(e.document.id)}` : 'no document'}, not ${bundle.documentId}` },
  );
  checkDocument(ctx);
  checkSignedSteps(ctx);
  checkSeal(ctx);
  return { ctx, fps };
}
