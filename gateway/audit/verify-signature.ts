import { verifyBatched, type BatchedSignature } from '../crypto/batch-signature';
import { verify, Verifier, type SigAlg } from '../crypto/sign';

/**
 * One signature over a text, batched (manifest + inclusion proof, see
 * batch-signature.ts) or plain (made by the department itself over the text).
 * Never throws. Pure.
 */
type AnySignature = { alg: SigAlg | string; value: string } & Partial<Pick<BatchedSignature, 'manifest' | 'index' | 'proof' | 'signer' | 'certificate'>>;

export const isBatchedSignature = (s: AnySignature): s is AnySignature & BatchedSignature => typeof s.manifest === 'string';

export function verifyAnySignature(s: AnySignature, text: string, certPem: string): boolean {
  try {
    if (isBatchedSignature(s)) return verifyBatched(s, text, certPem);
    const alg = s.alg as SigAlg;
    return verify(alg, text, Buffer.from(s.value, 'base64'), Verifier.fromPem(certPem, alg).publicKey);
  } catch {
    return false;
  }
}

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
