import { canonicalJson } from '../crypto/canonical';
import { verify, Verifier, type SigAlg, type Signer } from '../crypto/sign';
import { certificateFingerprint } from '../crypto/envelope';
import { formatTime } from '../clock';
import type { LogHashAlg } from './hash';

/** A signed tree head (pure; shared with the offline verifier). */
export interface CheckpointBody {
  v: 1;
  log: string;
  alg: LogHashAlg;
  size: number;
  root: string;
  at: string;
}

export interface Checkpoint {
  /** The exact canonical JSON that was signed: `openssl dgst -verify log.pub -signature sig body.json`. */
  body: string;
  signature: { alg: SigAlg; certificate: string; value: string };
}

export const LOG_NAME = 'xgw exchange log';

export function signCheckpoint(signer: Signer, alg: LogHashAlg, size: number, root: Buffer, at: Date): Checkpoint {
  const body = canonicalJson({ v: 1, log: LOG_NAME, alg, size, root: root.toString('hex'), at: formatTime(at) } satisfies CheckpointBody);
  return {
    body,
    signature: { alg: signer.alg, certificate: certificateFingerprint(signer.certPem!), value: signer.sign(body).toString('base64') },
  };
}

/** Verifies a checkpoint's signature with the log certificate; returns the parsed body or null. */
export function verifyCheckpoint(cp: Checkpoint, logCertPem: string): CheckpointBody | null {
  if (certificateFingerprint(logCertPem) !== cp.signature.certificate) return null;
  let ok = false;
  try {
    ok = verify(cp.signature.alg, cp.body, Buffer.from(cp.signature.value, 'base64'), Verifier.fromPem(logCertPem, cp.signature.alg).publicKey);
  } catch {
    ok = false;
  }
  if (!ok) return null;
  const b = JSON.parse(cp.body) as CheckpointBody;
  return canonicalJson(b) === cp.body ? b : null;
}
