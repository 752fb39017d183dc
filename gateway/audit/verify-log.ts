import { canonicalJson } from '../crypto/canonical';
import { certificateFingerprint } from '../crypto/envelope';
import { LOG_NAME, checkpointLinkOf, checkpointSignature, type CheckpointBody } from '../log/checkpoint';
import { LOG_ENTRY_KINDS } from '../log/entries';
import { leafHash } from '../merkle/hash';
import { verifyInclusion } from '../merkle/verify';
import type { NoteVerifierKey } from '../log/note';
import { Problems, type CheckLine, type Phrase, type PhraseCode, type Said } from './report';
import { chainAt, describeCertificate, readEntry, shortFp, type LogContext, type LoggedBundle, type ParsedEntry } from './verify-context';
import { checkWitnessed } from './verify-note';
import { legacyNote, noteOf, saidWithLegacy } from './verify-signature';

/**
 * The checks every evidence bundle shares, whatever it is about (a case, a 公文): the
 * trust anchors, the certificates under their fingerprints, the signed checkpoint and its
 * witnesses, and each log entry's leaf hash and inclusion proof. Pure.
 */
export interface VerifyOptions {
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

function checkCertificates(bundle: LoggedBundle, certs: Map<string, string>, lines: CheckLine[]): void {
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
        said: [actual ? { code: 'certificate.other', params: { fp: shortFp(actual), subject: what } } : { code: 'certificate.unreadable' }],
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

function checkCheckpoint(ctx: LogContext): void {
  const cp = ctx.bundle.log.checkpoint;
  const fp = cp.signature.certificate;
  const line = (ok: boolean, text: string, said: Said, extra: Partial<CheckLine> = {}): void => void ctx.lines.push({ group: 'checkpoint', ok, subject: 'checkpoint', text, said, fingerprint: fp, ...extra });
  const logPem = ctx.certs.get(fp);
  if (!logPem) line(false, `the log certificate ${shortFp(fp)} that signed it is not in the bundle (or not under its own fingerprint)`, [{ code: 'checkpoint.no-certificate', params: { fp: shortFp(fp) } }]);
  else {
    const check = checkpointSignature(cp, logPem);
    const signed = { alg: cp.signature.alg, fp: shortFp(fp) };
    if (check !== 'invalid') line(true, `${cp.signature.alg} signature over the body verifies with the log certificate ${shortFp(fp)} (${describeCertificate(logPem).text})${legacyNote(check)}`, saidWithLegacy(check, { code: 'checkpoint.signature', params: { ...signed, subject: describeCertificate(logPem).text } }), noteOf(check));
    else line(false, `the ${cp.signature.alg} signature over the body does not verify with the log certificate ${shortFp(fp)}: the body or the signature was altered`, [{ code: 'checkpoint.signature-invalid', params: signed }]);
  }
  const b = ctx.claimed;
  if (!b) return line(false, 'the body is not a checkpoint (unreadable JSON, or no size/root)', [{ code: 'checkpoint.unreadable' }]);
  const problems = new Problems();
  if (canonicalJson(b) !== cp.body) problems.add('checkpoint.not-canonical', 'the body is not canonical JSON');
  if (checkpointLinkOf(b) === undefined || b.log !== LOG_NAME) problems.add('checkpoint.not-xgw', `the body is not a "${LOG_NAME}" v1 or v2 checkpoint`, { log: LOG_NAME });
  if (b.alg !== ctx.alg) problems.add('checkpoint.alg-differs', `the body says hash ${String(b.alg)} but log.hashAlg is ${ctx.alg}`, { alg: String(b.alg), logAlg: ctx.alg });
  if (!/^[0-9a-f]{64}$/.test(b.root)) problems.add('checkpoint.root-not-hex', 'the root is not 64 hex');
  if (problems.length) line(false, problems.en.join('; '), problems.said());
  else line(true, `tree of ${b.size} entries, root ${b.root.slice(0, 16)}…, signed at ${b.at}`, [{ code: 'checkpoint.tree', params: { size: b.size, root: `${b.root.slice(0, 16)}…`, at: b.at } }]);
  if (logPem) {
    const chain = chainAt(ctx, fp, new Date(b.at), 'log');
    line(chain.ok, `log ${chain.text}`, chain.said, chain.note ? { note: chain.note } : {});
  }
}

/** An entry about another subject than the bundle's: the problem in English and as a phrase. */
export interface OtherSubject {
  code: PhraseCode;
  en: string;
  params?: Phrase['params'];
}

/**
 * (b) Each entry: leaf hash, inclusion proof, canonical text, a known kind, dated before the
 * checkpoint, and about the bundle's subject (`aboutWhat` returns the problem, or null).
 */
function checkEntries(ctx: LogContext, aboutWhat: (e: ParsedEntry) => OtherSubject | null): void {
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
      const other = aboutWhat(parsed);
      if (other) problems.add(other.code, other.en, other.params);
      if (!(new Date(parsed.at).getTime() <= cpAt)) problems.add('entry.after-checkpoint', `dated ${String(parsed.at)}, not before the checkpoint`, { at: String(parsed.at) });
    }
    const kind = parsed?.kind ?? '?';
    ctx.lines.push({
      group: 'entries',
      ok: problems.length === 0,
      subject: `entry #${raw.index} (${kind})`,
      text: problems.length ? problems.en.join('; ') : `leaf hash matches; included in the checkpoint tree (${raw.inclusionProof.length} proof hashes)`,
      said: problems.length ? problems.said() : [{ code: 'entry.included', params: { proofHashes: raw.inclusionProof.length } }],
      index: raw.index,
    });
  }
}

function anchorsFor(bundle: LoggedBundle, opts: VerifyOptions, lines: CheckLine[]): { anchors: string[]; fps: string[] } {
  const pinned = opts.rootPems !== undefined;
  const anchors = [...(opts.rootPems ?? bundle.trustAnchors)];
  const fps = anchors.map(fingerprintOrNull);
  fps.forEach((fp, i) => {
    if (!fp) lines.push({ group: 'bundle', ok: false, subject: `trust anchor ${i + 1}`, text: 'cannot be read as a certificate', said: [{ code: 'anchor.unreadable' }] });
  });
  if (!anchors.length) lines.push({ group: 'bundle', ok: false, subject: 'trust anchor', text: 'none given: nothing to chain the certificates to', said: [{ code: 'anchor.none' }] });
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

/**
 * The context of one bundle's verification, after the log checks shared by every bundle
 * kind: anchors, certificates, checkpoint, witnesses, entries. `subject` pushes the bundle
 * format line first. Returns the context and the anchors' fingerprints.
 */
export function verifyLogPart<B extends LoggedBundle>(
  bundle: B,
  opts: VerifyOptions,
  lines: CheckLine[],
  formatLine: Pick<CheckLine, 'text' | 'said'>,
  aboutWhat: (e: ParsedEntry) => OtherSubject | null,
): { ctx: LogContext & { bundle: B }; fps: string[] } {
  const { anchors, fps } = anchorsFor(bundle, opts, lines);
  const ctx = {
    bundle,
    alg: bundle.log.hashAlg,
    certs: new Map<string, string>(),
    anchors,
    crls: [...(opts.crlPems ?? [])],
    acceptLegacySm2: opts.acceptLegacySm2Certificates === true,
    revocations: new Map(Object.entries(bundle.revocations ?? {}).map(([fp, at]) => [fp, new Date(at)])),
    claimed: parseBody(bundle.log.checkpoint.body),
    entries: bundle.entries.map(readEntry),
    lines,
  };
  lines.push({ group: 'bundle', ok: true, subject: 'format', ...formatLine });
  checkCertificates(bundle, ctx.certs, lines);
  checkCheckpoint(ctx);
  checkWitnessed(ctx, opts.witnessKeys ?? []);
  checkEntries(ctx, aboutWhat);
  return { ctx, fps };
}
