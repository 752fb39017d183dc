/**
 * Checking one stored checkpoint row on its own: is it signed by a log certificate, does
 * the signature verify, is the signed body for this size and algorithm, and does the
 * stored root column agree with the signed root? Whether the signed root matches the
 * entries is the caller's business (audit-log.ts recomputes the tree; `xgw verify
 * consistency` checks a proof from the stored nodes).
 */
import type { Db, Store } from '../store/db';
import { certificateFingerprint } from '../crypto/envelope';
import { checkpointLinkOf, checkpointSignature, type Checkpoint, type CheckpointBody, type CheckpointLink } from './checkpoint';
import type { LogHashAlg } from '../merkle/hash';
import { consistencyProof, readHead } from './store';
import { verifyConsistency } from '../merkle/verify';

export interface CheckpointRow {
  size: number | string;
  alg: string;
  root: Uint8Array;
  body: string;
  sig_alg: string;
  signature: string;
  key_fingerprint: string;
}

export const CHECKPOINT_COLUMNS = 'size, alg, root, body, sig_alg, signature, key_fingerprint';

export interface CheckpointFindings {
  size: number;
  signatureOk: boolean;
  /** The signature verified as a legacy SM2 one (EMPTY distinguishing ID, made before xgw used the default ID). */
  legacySm2: boolean;
  /** The root in the body (parsed even when the signature fails, for diagnostics). */
  signedRoot: Buffer | null;
  storedRoot: Buffer;
  /** Its place in the sequence of checkpoints as its body states it (null for a version 1 body, which has none). */
  link: CheckpointLink | null;
  /** Everything wrong with the row itself, as sentences naming the checkpoint. */
  problems: string[];
}

/** Looks up the PEM of a log certificate by fingerprint. */
type LogCertificates = (fingerprint: string) => string | undefined;

/** A zero-copy Buffer view of a bytea value (pg gives Buffers, PGlite Uint8Arrays). */
export const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

/**
 * The log certificates checkpoints may be signed with: exactly `logCertPem` when given
 * (an auditor's own copy, trusting nothing in the database), otherwise every
 * certificate with role 'log' in the certificates table (old keys stay there).
 */
export async function loadLogCertificates(db: Db, logCertPem?: string): Promise<{ lookup: LogCertificates; source: string }> {
  if (logCertPem) {
    const fp = certificateFingerprint(logCertPem);
    return { lookup: (f) => (f === fp ? logCertPem : undefined), source: `the given log certificate ${fp.slice(0, 16)}…` };
  }
  const r = await db.query<{ fingerprint: string; pem: string }>(`SELECT fingerprint, pem FROM certificates WHERE role = 'log'`);
  const byFp = new Map(r.rows.map((x) => [x.fingerprint, x.pem]));
  return { lookup: (f) => byFp.get(f), source: `${byFp.size} log certificate(s) from the certificates table` };
}

function parseBody(body: string): Partial<CheckpointBody> | null {
  try {
    const b = JSON.parse(body) as unknown;
    return b && typeof b === 'object' && !Array.isArray(b) ? (b as Partial<CheckpointBody>) : null;
  } catch {
    return null;
  }
}

export function examineCheckpoint(row: CheckpointRow, alg: LogHashAlg, certs: LogCertificates): CheckpointFindings {
  const size = Number(row.size);
  const at = `checkpoint at size ${size}`;
  const problems: string[] = [];
  const pem = certs(row.key_fingerprint);
  let signatureOk = false;
  let legacySm2 = false;
  if (!pem) {
    problems.push(`${at}: signed with certificate ${row.key_fingerprint.slice(0, 16)}…, which is not a known log certificate`);
  } else {
    const cp: Checkpoint = { body: row.body, signature: { alg: row.sig_alg as Checkpoint['signature']['alg'], certificate: row.key_fingerprint, value: row.signature } };
    const check = checkpointSignature(cp, pem);
    signatureOk = check !== 'invalid';
    legacySm2 = check === 'legacy-sm2-empty-id';
    if (!signatureOk) problems.push(`${at}: signature does not verify`);
  }
  const body = parseBody(row.body);
  let signedRoot: Buffer | null = null;
  const link = body ? checkpointLinkOf(body) : undefined;
  if (!body || typeof body.root !== 'string' || !/^[0-9a-f]{64}$/.test(body.root) || link === undefined) {
    problems.push(`${at}: the signed body is not a checkpoint`);
  } else {
    signedRoot = Buffer.from(body.root, 'hex');
    if (body.size !== size) problems.push(`${at}: the signed body is for size ${String(body.size)}`);
    if (body.alg !== alg || row.alg !== alg) problems.push(`${at}: hashed with ${String(body.alg)}, the log with ${alg}`);
  }
  const storedRoot = asBuffer(row.root);
  if (signedRoot && !storedRoot.equals(signedRoot)) problems.push(`${at}: the stored root differs from the root in its signed body`);
  return { size, signatureOk, legacySm2, signedRoot, storedRoot, link: link ?? null, problems };
}

/** Why the consistency proof from `from` to `to` (built from log_nodes) fails against the two signed roots, or null when it verifies. */
export function consistencyProblem(alg: LogHashAlg, from: number, to: number, proof: Buffer[] | Error, rootFrom: Buffer, rootTo: Buffer): string | null {
  if (proof instanceof Error) return `no consistency proof from size ${from} to ${to}: ${proof.message}`;
  if (verifyConsistency(alg, from, to, proof, rootFrom, rootTo)) return null;
  return `the consistency proof from size ${from} to ${to} built from log_nodes does not verify against the signed roots`;
}

interface ConsistencyReport {
  ok: boolean;
  alg: LogHashAlg;
  from: number;
  to: number;
  integratedSize: number;
  /** The proof built from log_nodes, hex (empty when it could not be built). */
  proof: string[];
  problems: string[];
}

/**
 * `xgw verify consistency`: both checkpoints must be stored and validly signed, and the
 * RFC 9162 consistency proof between them, built from the stored log_nodes, must verify
 * against their signed roots. Throws only for a usage error (no such checkpoint).
 */
export async function checkStoredConsistency(store: Store, from: number, to: number, opts: { logCertPem?: string } = {}): Promise<ConsistencyReport> {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && from <= to)) throw new Error('need 1 ≤ --from ≤ --to');
  const head = await readHead(store);
  const alg = head.alg;
  const rows = await store.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE size = ANY($1::bigint[])`, [[from, to]]);
  const row = (size: number) => {
    const r = rows.rows.find((x) => Number(x.size) === size);
    if (!r) throw new Error(`there is no checkpoint at size ${size}`);
    return r;
  };
  const { lookup } = await loadLogCertificates(store, opts.logCertPem);
  const a = examineCheckpoint(row(from), alg, lookup);
  const b = from === to ? a : examineCheckpoint(row(to), alg, lookup);
  const problems = from === to ? [...a.problems] : [...a.problems, ...b.problems];
  let proof: Buffer[] | null = null;
  try {
    proof = await consistencyProof(store, alg, from, to, head.frontier.size);
  } catch (err) {
    problems.push(`no consistency proof from size ${from} to ${to}: ${(err as Error).message}`);
  }
  const inconsistent = proof && a.signedRoot && b.signedRoot ? consistencyProblem(alg, from, to, proof, a.signedRoot, b.signedRoot) : null;
  if (inconsistent) problems.push(inconsistent);
  return { ok: problems.length === 0, alg, from, to, integratedSize: head.frontier.size, proof: (proof ?? []).map((h) => h.toString('hex')), problems };
}
