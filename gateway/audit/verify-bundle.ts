import { canonicalJson } from '../crypto/canonical';
import { certificateFingerprint } from '../crypto/envelope';
import { LOG_NAME, checkpointLinkOf, checkpointSignature, type CheckpointBody } from '../log/checkpoint';
import { LOG_ENTRY_KINDS } from '../log/entries';
import { leafHash } from '../merkle/hash';
import { verifyInclusion } from '../merkle/verify';
import type { EvidenceBundle } from './bundle';
import { Problems, type BundleReport, type CheckLine } from './report';
import { bundleShapeProblems } from './verify-shape';
import { chainAt, describeCertificate, readEntry, shortFp, type VerifyContext } from './verify-context';
import { checkMessages, checkSteps } from './verify-messages';
import { checkServiceCalls } from './verify-calls';
import { checkWitnessed } from './verify-note';
import { checkSignedTexts } from './verify-texts';
import type { NoteVerifierKey } from '../log/note';
import { legacyNote, noteOf } from './verify-signature';

/**
 * The offline verifier of evidence bundles: pure logic, no database, no network.
 * It uses only the pure modules shared with the gateway (canonical JSON, digests,
 * signatures, RFC 9162 hashing and proofs, certificate chains). Every check
 * yields a ✓/✗ line naming the log index, message id or certificate at fault.
 *
 *   (a) the checkpoint is signed by the log certificate, which chains to the root
 *   (b) each entry: leafHash = H(0x00 ‖ entry), inclusion proof to the checkpoint root
 *   (c) each message: payload digest, sender batch signature, certificate chain at
 *       the logged time, and its 'message.received' entry (id, digests)
 *   (d) every message step entry refers to a message in the bundle
 */
interface VerifyOptions {
  /** Root certificates (PEM) pinned by the auditor; default: the bundle's own trustAnchors. */
  rootPems?: readonly string[];
  /** CRLs (PEM) of the CAs, obtained independently: a certificate revoked before a signature's time fails. */
  crlPems?: readonly string[];
  /** Witness cosigner keys (obtained from the witnesses' operators): each must have cosigned the checkpoint. */
  witnessKeys?: readonly NoteVerifierKey[];
  /** Accept SM2 certificates and CRLs signed with the legacy EMPTY distinguishing ID (bundles from before xgw used the default ID). */
  acceptLegacySm2Certificates?: boolean;
}

const hex = (xs: readonly string[]): Buffer[] => xs.map((x) => Buffer.from(x, 'hex'));

function fingerprintOrNull(pem: string): string | null {
  try {
    return certificateFingerprint(pem);
  } catch {
    return null;
  }
}

function checkCertificates(bundle: EvidenceBundle, certs: Map<string, string>, lines: CheckLine[]): void {
  for (const [listed, pem] of Object.entries(bundle.certificates)) {
    const actual = fingerprintOrNull(pem);
    const what = describeCertificate(pem).text;
    if (actual === listed) {
      certs.set(listed, pem);
      lines.push({ group: 'certificates', ok: true, subject: `certificate ${shortFp(listed)}`, text: what, fingerprint: listed, said: [{ code: 'certificate.listed', params: { subject: what } }] });
    } else {
      lines.push({
        group: 'certificates',
        ok: false,
        subject: `certificate ${shortFp(listed)}`,
        text: actual ? `the PEM listed under this fingerprint is another certificate (${shortFp(actual)}, ${what})` : 'the PEM cannot be read',
        fingerprint: listed,
      });
    }
  }
}

function parseBody(body: string): CheckpointBody | null {
  try {
    const b = JSON.parse(body) as CheckpointBody;
    return typeof b === 'object' && b !== null && Number.isSafeInteger(b.size) && typeof b.root === 'string' ? b : null;
  } catch {
    return null;
  }
}

function checkCheckpoint(ctx: VerifyContext): void {
  const cp = ctx.bundle.log.checkpoint;
  const fp = cp.signature.certificate;
  const line = (ok: boolean, text: string, extra: Partial<CheckLine> = {}): void => void ctx.lines.push({ group: 'checkpoint', ok, subject: 'checkpoint', text, fingerprint: fp, ...extra });
  const logPem = ctx.certs.get(fp);
  if (!logPem) line(false, `the log certificate ${shortFp(fp)} that signed it is not in the bundle (or not under its own fingerprint)`);
  else {
    const check = checkpointSignature(cp, logPem);
    const signed = { alg: cp.signature.alg, fp: shortFp(fp) };
    if (check !== 'invalid') line(true, `${cp.signature.alg} signature over the body verifies with the log certificate ${shortFp(fp)} (${describeCertificate(logPem).text})${legacyNote(check)}`, { ...noteOf(check), ...(legacyNote(check) ? {} : { said: [{ code: 'checkpoint.signature', params: { ...signed, subject: describeCertificate(logPem).text } }] }) });
    else line(false, `the ${cp.signature.alg} signature over the body does not verify with the log certificate ${shortFp(fp)}: the body or the signature was altered`, { said: [{ code: 'checkpoint.signature-invalid', params: signed }] });
  }
  const b = ctx.claimed;
  if (!b) return line(false, 'the body is not a checkpoint (unreadable JSON, or no size/root)');
  const problems: string[] = [];
  if (canonicalJson(b) !== cp.body) problems.push('the body is not canonical JSON');
  if (checkpointLinkOf(b) === undefined || b.log !== LOG_NAME) problems.push(`the body is not a "${LOG_NAME}" v1 or v2 checkpoint`);
  if (b.alg !== ctx.alg) problems.push(`the body says hash ${String(b.alg)} but log.hashAlg is ${ctx.alg}`);
  if (!/^[0-9a-f]{64}$/.test(b.root)) problems.push('the root is not 64 hex');
  if (problems.length) line(false, problems.join('; '));
  else line(true, `tree of ${b.size} entries, root ${b.root.slice(0, 16)}…, signed at ${b.at}`, { said: [{ code: 'checkpoint.tree', params: { size: b.size, root: `${b.root.slice(0, 16)}…`, at: b.at } }] });
  if (logPem) {
    const chain = chainAt(ctx, fp, new Date(b.at), 'log');
    line(chain.ok, `log ${chain.text}`, { ...(chain.note ? { note: chain.note } : {}), ...(chain.said ? { said: chain.said } : {}) });
  }
}

function checkEntries(ctx: VerifyContext): void {
  const b = ctx.claimed;
  const seen = new Set<number>();
  const cpAt = b ? new Date(b.at).getTime() : NaN;
  for (const { raw, parsed } of ctx.entries) {
    const problems = new Problems();
    const leaf = leafHash(ctx.alg, raw.entry);
    if (leaf.toString('hex') !== raw.leafHash) problems.add('entry.leaf-hash', 'leafHash ≠ H(0x00 ‖ entry): the entry text or its leaf hash was altered');
    if (!b) problems.add('entry.no-checkpoint', 'no readable checkpoint to prove inclusion against');
    else if (!verifyInclusion(ctx.alg, raw.index, b.size, leaf, hex(raw.inclusionProof), Buffer.from(b.root, 'hex'))) {
      problems.add('entry.not-included', `the inclusion proof does not lead from this entry at index ${raw.index} to the checkpoint root`, { index: raw.index });
    }
    if (seen.has(raw.index)) problems.add('entry.twice', 'this index appears twice in the bundle');
    seen.add(raw.index);
    if (!parsed) problems.add('entry.not-json', 'the entry text is not a JSON object');
    else {
      if (canonicalJson(parsed) !== raw.entry) problems.add('entry.not-canonical', 'the entry text is not canonical JSON');
      if (parsed.v !== 1 || !(LOG_ENTRY_KINDS as readonly string[]).includes(parsed.kind)) problems.add('entry.unknown-kind', `unknown entry kind ${JSON.stringify(parsed.kind)}`, { kind: JSON.stringify(parsed.kind) });
      // A 电子监察 card names its case itself (no message: the notice is a message of its own).
      const caseOf = parsed.call ? parsed.call.caseId : parsed.kind === 'supervision.card_raised' ? parsed.caseNo : parsed.message?.caseId;
      if (caseOf !== ctx.bundle.caseId) problems.add('entry.other-case', `the entry is about case ${JSON.stringify(caseOf ?? null)}, not ${ctx.bundle.caseId}`, { caseId: JSON.stringify(caseOf ?? null), bundleCase: String(ctx.bundle.caseId) });
      if (!(new Date(parsed.at).getTime() <= cpAt)) problems.add('entry.after-checkpoint', `dated ${String(parsed.at)}, not before the checkpoint`, { at: String(parsed.at) });
    }
    const kind = parsed?.kind ?? '?';
    ctx.lines.push({
      group: 'entries',
      ok: problems.length === 0,
      subject: `entry #${raw.index} (${kind})`,
      text: problems.length ? problems.en.join('; ') : `leaf hash matches; included in the checkpoint tree (${raw.inclusionProof.length} proof hashes)`,
      said: problems.length ? problems.said : [{ code: 'entry.included', params: { proofHashes: raw.inclusionProof.length } }],
      index: raw.index,
    });
  }
}

function anchorsFor(bundle: EvidenceBundle, opts: VerifyOptions, lines: CheckLine[]): { anchors: string[]; fps: string[] } {
  const pinned = opts.rootPems !== undefined;
  const anchors = [...(opts.rootPems ?? bundle.trustAnchors)];
  const fps = anchors.map(fingerprintOrNull);
  fps.forEach((fp, i) => {
    if (!fp) lines.push({ group: 'bundle', ok: false, subject: `trust anchor ${i + 1}`, text: 'cannot be read as a certificate' });
  });
  if (!anchors.length) lines.push({ group: 'bundle', ok: false, subject: 'trust anchor', text: 'none given: nothing to chain the certificates to' });
  if (pinned) {
    const bundled = bundle.trustAnchors.map(fingerprintOrNull);
    const same = fps.some((fp) => fp && bundled.includes(fp));
    lines.push({
      group: 'bundle',
      ok: true,
      subject: 'trust anchor',
      text: same ? 'the pinned root is the one the bundle names' : 'the bundle names another root; every chain is checked against the pinned root only',
      said: [{ code: same ? 'anchor.pinned-same' : 'anchor.pinned-other' }],
    });
  }
  return { anchors, fps: fps.filter((x): x is string => !!x) };
}

/** Verifies an evidence bundle (as parsed from its JSON file). Never throws. */
export function verifyBundle(input: unknown, opts: VerifyOptions = {}): BundleReport {
  const lines: CheckLine[] = [];
  const shape = bundleShapeProblems(input);
  const caseId = typeof (input as { caseId?: unknown })?.caseId === 'string' ? (input as { caseId: string }).caseId : null;
  const done = (ctx: VerifyContext | null, anchor: BundleReport['anchor'], anchorFingerprints: string[]): BundleReport => {
    const failures = lines.filter((l) => !l.ok).length;
    const b = ctx?.claimed ?? null;
    return {
      ok: failures === 0 && lines.length > 0,
      caseId,
      anchor,
      anchorFingerprints,
      crls: opts.crlPems?.length ?? 0,
      checkpoint: b ? { size: b.size, root: String(b.root), at: String(b.at) } : null,
      counts: ctx
        ? { entries: ctx.bundle.entries.length, messages: ctx.bundle.messages.length, certificates: Object.keys(ctx.bundle.certificates).length }
        : { entries: 0, messages: 0, certificates: 0 },
      lines,
      failures,
      legacySm2: lines.filter((l) => l.ok && l.note === 'legacy-sm2-empty-id').length,
    };
  };
  const anchor = opts.rootPems ? 'pinned' : 'bundled';
  if (shape.length) {
    for (const p of shape) lines.push({ group: 'bundle', ok: false, subject: 'structure', text: p });
    return done(null, anchor, []);
  }
  const bundle = input as EvidenceBundle;
  try {
    const { anchors, fps } = anchorsFor(bundle, opts, lines);
    const ctx: VerifyContext = {
      bundle,
      alg: bundle.log.hashAlg,
      certs: new Map(),
      anchors,
      crls: [...(opts.crlPems ?? [])],
      acceptLegacySm2: opts.acceptLegacySm2Certificates === true,
      revocations: new Map(Object.entries(bundle.revocations ?? {}).map(([fp, at]) => [fp, new Date(at)])),
      claimed: parseBody(bundle.log.checkpoint.body),
      entries: bundle.entries.map(readEntry),
      lines,
    };
    lines.push({ group: 'bundle', ok: true, subject: 'format', text: `${bundle.format}, case ${bundle.caseId}, created ${String(bundle.createdAt)}`, said: [{ code: 'bundle.format', params: { format: bundle.format, caseId: bundle.caseId, createdAt: String(bundle.createdAt) } }] });
    checkCertificates(bundle, ctx.certs, lines);
    checkCheckpoint(ctx);
    checkWitnessed(ctx, opts.witnessKeys ?? []);
    checkEntries(ctx);
    checkMessages(ctx);
    checkSignedTexts(ctx);
    checkSteps(ctx);
    checkServiceCalls(ctx);
    return done(ctx, anchor, fps);
  } catch (err) {
    lines.push({ group: 'bundle', ok: false, subject: 'verifier', text: `stopped on an unexpected value: ${(err as Error).message}` });
    return done(null, anchor, []);
  }
}
