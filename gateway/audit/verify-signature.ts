import { checkBatched, type BatchedSignature } from '../crypto/batch-signature';
import { checkSignature, LEGACY_SM2_NOTE, Verifier, type SigAlg, type SignatureCheck } from '../crypto/sign';
import type { Phrase, Said } from './report';

/**
 * One signature over a text, batched (manifest + inclusion proof, see
 * batch-signature.ts) or plain (made by the department itself over the text).
 * Never throws. Pure.
 */
type AnySignature = { alg: SigAlg | string; value: string } & Partial<Pick<BatchedSignature, 'manifest' | 'index' | 'proof' | 'signer' | 'certificate'>>;

export const isBatchedSignature = (s: AnySignature): s is AnySignature & BatchedSignature => typeof s.manifest === 'string';

export function verifyAnySignature(s: AnySignature, text: string, certPem: string): SignatureCheck {
  try {
    if (isBatchedSignature(s)) return checkBatched(s, text, certPem);
    const alg = s.alg as SigAlg;
    return checkSignature(alg, text, Buffer.from(s.value, 'base64'), Verifier.fromPem(certPem, alg).publicKey);
  } catch {
    return 'invalid';
  }
}

/** The words a report line adds for a legacy SM2 signature ('' otherwise). */
export const legacyNote = (check: SignatureCheck): string => (check === 'legacy-sm2-empty-id' ? ` — note: ${LEGACY_SM2_NOTE}` : '');

/** The time a batched signature's manifest claims (null for plain signatures or unreadable manifests). */
export function manifestTime(s: AnySignature): Date | null {
  if (!isBatchedSignature(s)) return null;
  try {
    const at = (JSON.parse(s.manifest) as { at?: unknown }).at;
    const d = typeof at === 'string' ? new Date(at) : null;
    return d && !Number.isNaN(d.getTime()) ? d : null;
  } catch {
    return null;
  }
}

/** The report line's note for a legacy SM2 signature (none otherwise). */
export const noteOf = (check: SignatureCheck): { note?: 'legacy-sm2-empty-id' } => (check === 'legacy-sm2-empty-id' ? { note: check } : {});

/** A passed signature's phrase, with the legacy SM2 remark after it when the check needed the empty ID. */
export const saidWithLegacy = (check: SignatureCheck, first: Phrase): Said => (check === 'legacy-sm2-empty-id' ? [first, { code: 'legacy.sm2-signature' }] : [first]);
