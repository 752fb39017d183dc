import { canonicalJson } from '../crypto/canonical';
import { checkSignature, Verifier, type SigAlg, type SignatureCheck, type Signer } from '../crypto/sign';
import { certificateFingerprint } from '../crypto/envelope';
import { formatTime } from '../clock';
import type { LogHashAlg } from '../merkle/hash';

/**
 * A signed tree head (pure; shared with the offline verifier). Version 2 bodies also
 * sign their place in the sequence of checkpoints: `seq` counts them from 1 and `prev`
 * is the size of the one before (0 for the first), so a deleted checkpoint row leaves
 * a gap the verifier sees. Version 1 bodies (logs begun before) have neither.
 */
export interface CheckpointBody {
  v: 1 | 2;
  log: string;
  alg: LogHashAlg;
  seq?: number;
  prev?: number;
  size: number;
  root: string;
  at: string;
}

/** Where a new checkpoint stands in the sequence: its number and the size of the one before it. */
export interface CheckpointLink {
  seq: number;
  prev: number;
}

export interface Checkpoint {
  /** The exact canonical JSON that was signed: `openssl dgst -verify log.pub -signature sig body.json`. */
  body: string;
  signature: { alg: SigAlg; certificate: string; value: string };
}

/**
 * The sequence link a body states: {seq, prev} for version 2, null for version 1,
 * undefined when the body is neither (an unknown version, or a version 2 body without
 * a whole seq ≥ 1 and prev ≥ 0 below its size).
 */
export function checkpointLinkOf(b: Partial<CheckpointBody>): CheckpointLink | null | undefined {
  if (b.v === 1) return null;
  if (b.v !== 2) return undefined;
  const { seq, prev, size } = b;
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  return whole(seq) && seq >= 1 && whole(prev) && whole(size) && prev < size ? { seq, prev } : undefined;
}

export const LOG_NAME = 'xgw exchange log';

export function signCheckpoint(signer: Signer, alg: LogHashAlg, link: CheckpointLink, size: number, root: Buffer, at: Date): Checkpoint {
  const body = canonicalJson({ v: 2, log: LOG_NAME, alg, seq: link.seq, prev: link.prev, size, root: root.toString('hex'), at: formatTime(at) } satisfies CheckpointBody);
  return {
    body,
    signature: { alg: signer.alg, certificate: certificateFingerprint(signer.certPem!), value: signer.sign(body).toString('base64') },
  };
}

/**
 * How a checkpoint's signature checks with the log certificate (see checkSignature:
 * checkpoints signed before xgw used the SM2 default ID come out 'legacy-sm2-empty-id').
 * Only a canonical JSON body counts as signed: any other text is 'invalid'.
 */
export function checkpointSignature(cp: Checkpoint, logCertPem: string): SignatureCheck {
  try {
    if (certificateFingerprint(logCertPem) !== cp.signature.certificate) return 'invalid';
    if (canonicalJson(JSON.parse(cp.body) as CheckpointBody) !== cp.body) return 'invalid';
    return checkSignature(cp.signature.alg, cp.body, Buffer.from(cp.signature.value, 'base64'), Verifier.fromPem(logCertPem, cp.signature.alg).publicKey);
  } catch {
    return 'invalid';
  }
}

/** Verifies a checkpoint's signature with the log certificate (legacy SM2 form accepted); returns the parsed body or null. */
export function verifyCheckpoint(cp: Checkpoint, logCertPem: string): CheckpointBody | null {
  return checkpointSignature(cp, logCertPem) === 'invalid' ? null : (JSON.parse(cp.body) as CheckpointBody);
}
