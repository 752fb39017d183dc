import type { Db } from '../store/db';
import type { BodyArchive } from '../retention/archive';
import { payloadOf, type RetentionMark } from '../retention/bodies';
import { callBodiesOf } from '../retention/calls';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { canonicalJson } from '../crypto/canonical';
import { signedTextFor, type Envelope } from '../crypto/envelope';
import type { AckReceipt } from '../exchange/model';
import { LOG_NAME, type Checkpoint } from '../log/checkpoint';
import type { LogHashAlg } from '../merkle/hash';
import { assembleInclusionProof, inclusionProofNodes, nodeLookupFrom, nodesToFetch } from '../merkle/tree';
import { cosignedNote } from '../log/checkpoint-store';
import { logNoteVkey } from '../log/note';
import type { Signer } from '../crypto/sign';
import { receiptOf } from '../exchange/write-batch';
import type { DigestAlg } from '../crypto/digest';
import type { BatchedSignature } from '../crypto/batch-signature';
import { receiptBodyText, BUNDLE_README, BUNDLE_VERIFICATION, EVIDENCE_FORMAT, type BundleEntry, type BundleMessage, type BundleReceipt, type BundleServiceCall, type BundleSignedTexts, type EvidenceBundle } from './bundle';

/**
 * Builds the evidence bundle of one case from the database: every log entry of
 * the case with an inclusion proof against ONE signed checkpoint (a fresh one is
 * signed when the newest does not cover the case), the messages with their
 * envelopes and payloads, and every certificate needed to check them.
 */
export interface EvidenceSource {
  db: Db;
  clock: Clock;
  /** Integrates the log and signs a checkpoint now (LogIntegrator.runOnce(true)). */
  signCheckpoint(): Promise<unknown>;
  /** Asks the configured witnesses to cosign the checkpoint of `size` (when they have not yet). */
  witness?(size: number): Promise<unknown>;
  /** The log's origin and note verifier key, when it signs checkpoints as notes. */
  note?: { origin: string; vkey: string };
  /** Where bodies past the retention period are read back from (archive mode). */
  archive?: BodyArchive | null;
}

/** What evidenceSourceOf needs of the gateway. */
export interface EvidenceDeps {
  store: Db;
  clock: Clock;
  archive: BodyArchive | null;
  integrator: { runOnce(force: boolean): Promise<unknown> };
  witnessing: { configured: boolean; submit(size: number): Promise<unknown> };
  trust: { readonly logNoteSigner: Signer | null };
  config: { trust: { logOrigin: string } };
}

/**
 * The gateway's evidence source: checkpoints signed by its integrator when the newest does
 * not cover the case, its log note key, its archive. `witness`: ask the configured witnesses
 * to cosign the checkpoint (exports and audit checks), or not (a case view's signature status).
 */
export function evidenceSourceOf(deps: EvidenceDeps, opts: { witness: boolean }): EvidenceSource {
  const signer = deps.trust.logNoteSigner;
  return {
    db: deps.store,
    clock: deps.clock,
    signCheckpoint: () => deps.integrator.runOnce(true),
    ...(opts.witness && deps.witnessing.configured ? { witness: (size: number) => deps.witnessing.submit(size) } : {}),
    note: signer ? { origin: deps.config.trust.logOrigin, vkey: logNoteVkey(deps.config.trust.logOrigin, signer) } : undefined,
    archive: deps.archive,
  };
}

/** The exact texts each signature and log digest of a message covers. */
function signedTextsOf(envelope: Envelope, ack: AckReceipt | null, receipt: BundleReceipt | null): BundleSignedTexts {
  const sender = envelope.signatures.find((s) => s.role === 'sender');
  const { signature: _signature, ...ackBody } = ack ?? { signature: null };
  return {
    header: signedTextFor('sender', envelope.header),
    ...(envelope.signatures.some((s) => s.role === 'gateway') ? { countersigned: signedTextFor('gateway', envelope.header, sender?.value) } : {}),
    envelope: canonicalJson(envelope),
    ...(ack ? { ackBody: canonicalJson(ackBody), ack: canonicalJson(ack) } : {}),
    ...(receipt ? { receipt: receiptBodyText(receipt) } : {}),
  };
}

interface CheckpointRow {
  size: number;
  alg: LogHashAlg;
  body: string;
  sig_alg: string;
  signature: string;
  key_fingerprint: string;
}

const latestCheckpoint = async (db: Db): Promise<CheckpointRow | undefined> =>
  (await db.query<CheckpointRow>('SELECT size, alg, body, sig_alg, signature, key_fingerprint FROM checkpoints ORDER BY size DESC LIMIT 1')).rows[0];

/** The newest checkpoint, or a fresh one when the newest does not cover entry `lastIndex`. */
async function coveringCheckpoint(src: EvidenceSource, lastIndex: number): Promise<CheckpointRow> {
  let cp = await latestCheckpoint(src.db);
  if (!cp || Number(cp.size) <= lastIndex) {
    await src.signCheckpoint();
    cp = await latestCheckpoint(src.db);
  }
  if (!cp || Number(cp.size) <= lastIndex) {
    throw new GatewayError('GW_ERR_AUDIT_LOG_BEHIND', `no signed checkpoint covers log entry ${lastIndex} yet`);
  }
  return cp;
}

/** Inclusion proofs of several leaves in the tree of `size`, with one query for all their nodes. */
async function inclusionProofs(db: Db, alg: LogHashAlg, indexes: number[], size: number): Promise<string[][]> {
  const refs = indexes.map((i) => inclusionProofNodes(i, size));
  const ids = nodesToFetch(refs.flat());
  const r = await db.query<{ level: number; idx: number; hash: Buffer }>(
    `SELECT n.level, n.idx, n.hash FROM log_nodes n JOIN unnest($1::smallint[], $2::bigint[]) AS t(l, i) ON n.level = t.l AND n.idx = t.i`,
    [ids.map((n) => n.level), ids.map((n) => n.index)],
  );
  const lookup = nodeLookupFrom(r.rows.map((x) => ({ level: Number(x.level), index: Number(x.idx), hash: Buffer.from(x.hash) })));
  return refs.map((ref) => assembleInclusionProof(alg, ref, lookup).map((h) => h.toString('hex')));
}

/** The log part of a bundle: one signed checkpoint covering entry `lastIndex` (signed now when the newest does not), witnessed when witnesses are configured. */
export async function provenLog(src: EvidenceSource, lastIndex: number): Promise<{ size: number; alg: LogHashAlg; log: EvidenceBundle['log'] }> {
  const cp = await coveringCheckpoint(src, lastIndex);
  const size = Number(cp.size);
  await src.witness?.(size);
  const checkpointNote = await cosignedNote(src.db, size);
  const checkpoint: Checkpoint = {
    body: cp.body,
    signature: { alg: cp.sig_alg as Checkpoint['signature']['alg'], certificate: cp.key_fingerprint, value: cp.signature },
  };
  return {
    size,
    alg: cp.alg,
    log: { name: LOG_NAME, hashAlg: cp.alg, checkpoint, ...(src.note && checkpointNote ? { origin: src.note.origin, noteKey: src.note.vkey, checkpointNote } : {}) },
  };
}

/** Log rows as bundle entries, each with its inclusion proof in the tree of `size`. */
export async function provenEntries(db: Db, alg: LogHashAlg, rows: { idx: number | string; entry: string; leaf_hash: Buffer }[], size: number): Promise<BundleEntry[]> {
  const proofs = await inclusionProofs(db, alg, rows.map((e) => Number(e.idx)), size);
  return rows.map((e, i) => ({ index: Number(e.idx), entry: e.entry, leafHash: Buffer.from(e.leaf_hash).toString('hex'), inclusionProof: proofs[i]! }));
}

/** The certificates of the given fingerprints and every CA certificate, the roots as trust anchors, and the registry's revocation times. */
export async function bundleCertificates(db: Db, fingerprints: Iterable<string>): Promise<Pick<EvidenceBundle, 'certificates' | 'trustAnchors' | 'revocations'>> {
  const certs = await db.query<{ fingerprint: string; role: string; pem: string; revoked_at: Date | null }>(
    `SELECT fingerprint, role, pem, revoked_at FROM certificates WHERE fingerprint = ANY($1::text[]) OR role IN ('root', 'intermediate') ORDER BY role, fingerprint`,
    [[...fingerprints]],
  );
  const certificates: Record<string, string> = {};
  const revocations: Record<string, string> = {};
  for (const c of certs.rows) {
    certificates[c.fingerprint] = c.pem;
    if (c.revoked_at) revocations[c.fingerprint] = formatTime(c.revoked_at);
  }
  return { certificates, trustAnchors: certs.rows.filter((c) => c.role === 'root').map((c) => c.pem), ...(Object.keys(revocations).length ? { revocations } : {}) };
}

export async function buildEvidence(src: EvidenceSource, caseId: string): Promise<EvidenceBundle> {
  const { db } = src;
  const last = await db.query<{ max: number | null }>('SELECT max(idx) AS max FROM log_entries WHERE case_id = $1', [caseId]);
  if (last.rows[0]?.max === null || last.rows[0]?.max === undefined) {
    throw new GatewayError('GW_ERR_AUDIT_CASE_NOT_FOUND', `the exchange log has no entries for case ${caseId}`);
  }
  const { size, alg, log } = await provenLog(src, Number(last.rows[0].max));
  const rows = (
    await db.query<{ idx: number; entry: string; leaf_hash: Buffer; message_id: string | null }>(
      'SELECT idx, entry, leaf_hash, message_id FROM log_entries WHERE case_id = $1 AND idx < $2 ORDER BY idx',
      [caseId, size],
    )
  ).rows;
  const entries = await provenEntries(db, alg, rows, size);

  // The messages in the order the log first names them.
  const ids = [...new Set(rows.map((e) => e.message_id).filter((x): x is string => x !== null))];
  const found = await db.query<{
    id: string; envelope: Envelope; payload: unknown; retention: RetentionMark | null; ack_receipt: AckReceipt | null;
    message_id: string; digest_alg: DigestAlg; digest: string; received_at: Date; receipt_signature: BatchedSignature | null; idx: number | null; leaf_hash: Buffer | null;
  }>(
    `SELECT m.id, m.envelope, m.payload, m.retention, m.ack_receipt, m.message_id, m.digest_alg, m.digest, m.received_at, rs.signature AS receipt_signature, le.idx, le.leaf_hash
     FROM messages m LEFT JOIN log_entries le ON le.message_id = m.id AND le.kind = 'message.received'
     LEFT JOIN receipt_signatures rs ON rs.message_id = m.id
     WHERE m.id = ANY($1::uuid[])`,
    [ids],
  );
  const receiptFor = (m: (typeof found.rows)[number]): BundleReceipt | null =>
    m.receipt_signature && m.idx !== null && m.leaf_hash
      ? {
          ...receiptOf({ id: m.id, messageId: m.message_id, digestAlg: m.digest_alg, digest: m.digest, receivedAt: m.received_at }, Number(m.idx), Buffer.from(m.leaf_hash)),
          signature: m.receipt_signature,
        }
      : null;
  const byId = new Map(found.rows.map((m) => [m.id, m]));
  const messages: BundleMessage[] = ids
    .map((id) => byId.get(id))
    .filter((m): m is NonNullable<typeof m> => m !== undefined)
    .map((m) => ({ ...m, payload: payloadOf(m, src.archive ?? null) }))
    .map((m) => ({
      id: m.id,
      envelope: m.envelope,
      payload: m.payload,
      ...(m.retention?.mode === 'drop' ? { retention: m.retention } : { payloadCanonical: canonicalJson(m.payload) }),
      ...(m.ack_receipt ? { ackReceipt: m.ack_receipt } : {}),
      ...(receiptFor(m) ? { receipt: receiptFor(m)! } : {}),
      signedTexts: signedTextsOf(m.envelope, m.ack_receipt, receiptFor(m)),
    }));

  const calls = await db.query<{ id: string; request: unknown; response: unknown; native_request: string | null; native_response: string | null; retention: RetentionMark | null }>(
    `SELECT id, request, response, native_request, native_response, retention FROM service_calls WHERE id = ANY($1::uuid[]) ORDER BY started_at, id`,
    [rows.filter((e) => e.message_id && !byId.has(e.message_id)).map((e) => e.message_id)],
  );
  // Bodies past the retention period are read back from the archive (checked against the entry's digests by the verifier) or say they were dropped.
  const serviceCalls: BundleServiceCall[] = calls.rows.map((c) => {
    const b = callBodiesOf(c, src.archive ?? null);
    return { id: c.id, request: b.request, response: b.response, nativeRequest: b.nativeRequest, nativeResponse: b.nativeResponse, ...(b.retention?.mode === 'drop' ? { retention: b.retention } : {}) };
  });

  const fingerprints = new Set<string>([log.checkpoint.signature.certificate]);
  for (const m of messages) {
    for (const s of m.envelope?.signatures ?? []) fingerprints.add(s.certificate);
    if (m.ackReceipt) fingerprints.add(m.ackReceipt.signature.certificate);
    if (m.receipt) fingerprints.add(m.receipt.signature.certificate);
  }
  const certified = await bundleCertificates(db, fingerprints);
  return {
    format: EVIDENCE_FORMAT,
    readme: [...BUNDLE_README],
    verification: { zh: [...BUNDLE_VERIFICATION.zh], en: [...BUNDLE_VERIFICATION.en] },
    createdAt: formatTime(src.clock.now()),
    caseId,
    log,
    entries,
    messages,
    ...(serviceCalls.length ? { serviceCalls } : {}),
    ...certified,
  };
}

/** What an export log line says about a bundle (never the payloads). */
export const exportSummary = (b: EvidenceBundle) => ({
  caseId: b.caseId,
  entries: b.entries.length,
  messages: b.messages.length,
  checkpointSize: (JSON.parse(b.log.checkpoint.body) as { size: number }).size,
});

/** The audit outcome of an export (trail.ts): what the bundle holds, in counts. */
export const exportOutcome = (b: EvidenceBundle) => {
  const { entries, messages, checkpointSize } = exportSummary(b);
  return { ok: true as const, entries, messages, checkpointSize };
};
