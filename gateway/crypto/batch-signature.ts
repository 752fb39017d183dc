import { canonicalJson } from './canonical';
import { checkSignature, keyAlgForSigAlg, Verifier, type SigAlg, type SignatureCheck, type Signer } from './sign';
import { leafHash, type LogHashAlg } from '../merkle/hash';
import { appendLeaves, assembleInclusionProof, EMPTY_FRONTIER, inclusionProofNodes, nodeLookupFrom, rootFromFrontier } from '../merkle/tree';
import { verifyInclusion } from '../merkle/verify';

/**
 * Batch signatures (as X-Road's batch signer does): one signature covers the
 * Merkle root (RFC 9162 hashing) of every text signed in one group commit, and
 * each text carries its inclusion proof. The cost per message becomes one hash;
 * the signature is still per department and per algorithm (SM2 stays SM2).
 *
 * Verifying one text: leaf = H(0x00 ‖ text); the proof leads from that leaf at
 * `index` in a tree of `manifest.size` to `manifest.root`; the signature verifies
 * over the manifest's exact text (`openssl dgst -verify` can check that step).
 * A batch of one has an empty proof and root = leaf. Pure; shared with the
 * offline verifier.
 */
interface BatchManifest {
  v: 1;
  signer: string;
  hashAlg: LogHashAlg;
  size: number;
  root: string;
  at: string;
}

export interface BatchedSignature {
  signer: string;
  alg: SigAlg;
  /** SHA-256 fingerprint (hex) of the signing certificate's DER. */
  certificate: string;
  /** The canonical JSON of the BatchManifest that was signed. */
  manifest: string;
  /** base64 signature over `manifest`. */
  value: string;
  index: number;
  proof: string[];
}

/** The tree hash paired with a signature algorithm: SM3 with SM2, SHA-256 otherwise. */
const batchHashAlgFor = (alg: SigAlg): LogHashAlg => (keyAlgForSigAlg(alg) === 'sm2' ? 'sm3' : 'sha256');

export function signBatch(signer: Signer, signerName: string, certificate: string, texts: string[], at: string): BatchedSignature[] {
  const batch = prepareBatch(signer, signerName, texts, at);
  return batch.finish(certificate, signer.sign(batch.manifest).toString('base64'));
}

/**
 * signBatch with the one signature made off the event loop (Signer.signAsync, libuv's
 * thread pool): only the manifest text crosses; the leaves, root and proofs are hashed here.
 */
export async function signBatchAsync(signer: Signer, signerName: string, certificate: string, texts: string[], at: string): Promise<BatchedSignature[]> {
  const batch = prepareBatch(signer, signerName, texts, at);
  const value = await signer.signAsync(batch.manifest);
  return batch.finish(certificate, value.toString('base64'));
}

/** The batch's manifest (what gets signed), and how to hand out one BatchedSignature per text once it is signed. */
function prepareBatch(signer: Signer, signerName: string, texts: string[], at: string) {
  const hashAlg = batchHashAlgFor(signer.alg);
  const leaves = texts.map((t) => leafHash(hashAlg, t));
  const { frontier, newNodes } = appendLeaves(hashAlg, EMPTY_FRONTIER, leaves);
  const root = rootFromFrontier(hashAlg, frontier);
  const manifest = canonicalJson({ v: 1, signer: signerName, hashAlg, size: texts.length, root: root.toString('hex'), at } satisfies BatchManifest);
  const finish = (certificate: string, value: string): BatchedSignature[] => {
    const lookup = nodeLookupFrom(newNodes);
    return texts.map((_, index) => ({
      signer: signerName,
      alg: signer.alg,
      certificate,
      manifest,
      value,
      index,
      proof: assembleInclusionProof(hashAlg, inclusionProofNodes(index, texts.length), lookup).map((h) => h.toString('hex')),
    }));
  };
  return { manifest, finish };
}

/** Checks one text against its batched signature and the signer's certificate; strict (no legacy SM2 form). Never throws. */
export function verifyBatched(sig: BatchedSignature, text: string, certPem: string): boolean {
  return checkBatched(sig, text, certPem) === 'valid';
}

/** verifyBatched for stored evidence: also tells a legacy empty-ID SM2 manifest signature (see checkSignature). Never throws. */
export function checkBatched(sig: BatchedSignature, text: string, certPem: string): SignatureCheck {
  try {
    const m = JSON.parse(sig.manifest) as BatchManifest;
    if (canonicalJson(m) !== sig.manifest || m.v !== 1 || m.signer !== sig.signer || m.hashAlg !== batchHashAlgFor(sig.alg)) return 'invalid';
    const included = verifyInclusion(
      m.hashAlg,
      sig.index,
      m.size,
      leafHash(m.hashAlg, text),
      sig.proof.map((h) => Buffer.from(h, 'hex')),
      Buffer.from(m.root, 'hex'),
    );
    if (!included) return 'invalid';
    return checkSignature(sig.alg, sig.manifest, Buffer.from(sig.value, 'base64'), Verifier.fromPem(certPem, sig.alg).publicKey);
  } catch {
    return 'invalid';
  }
}
