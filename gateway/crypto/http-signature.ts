import { constants, createHash, sign as nodeSign } from 'node:crypto';
import type { KeyAlg } from './keys';
import { sign, type Signer } from './sign';

/**
 * HTTP Message Signatures (RFC 9421) on the gateway's outgoing webhook requests, with
 * Content-Digest (RFC 9530, sha-256). Pure: the caller gives the time and the nonce.
 *
 *   Content-Digest:  sha-256=:<base64 SHA-256 of the body>:
 *   Signature-Input: xgw=("@method" "@target-uri" "content-digest");created=…;expires=…;nonce="…";keyid="…";alg="…";tag="xgw-webhook"
 *   Signature:       xgw=:<base64 signature over the signature base>:
 *
 * keyid is the lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo (GET
 * /api/v1/log/key `keyId`). alg names the RFC 9421 registry algorithm of the key:
 * ed25519, ecdsa-p256-sha256 (raw r‖s, 64 bytes), rsa-pss-sha512 (MGF1-SHA-512, salt 64).
 * SM2 is not in the registry: an SM2 key signs SM2-with-SM3 (GB/T 32918.2, DER (r,s),
 * distinguishing ID 1234567812345678) and `alg` is left out, as RFC 9421 §3.2 allows
 * when the key (found by keyid) determines the algorithm.
 */
export const SIGNATURE_LABEL = 'xgw';
export const SIGNATURE_TAG = 'xgw-webhook';
/** How long a signature is valid after `created` (its `expires`). */
export const SIGNATURE_TTL_SECONDS = 300;
export const COVERED_COMPONENTS = ['@method', '@target-uri', 'content-digest'] as const;

/** The RFC 9421 registry name of the algorithm a key signs with; null for SM2 (not registered). */
export function httpSigAlgOf(keyAlg: KeyAlg): 'ed25519' | 'ecdsa-p256-sha256' | 'rsa-pss-sha512' | null {
  switch (keyAlg) {
    case 'ed25519':
      return 'ed25519';
    case 'ecdsa-p256':
      return 'ecdsa-p256-sha256';
    case 'rsa':
      return 'rsa-pss-sha512';
    default:
      return null;
  }
}

/** The Content-Digest field value (RFC 9530) of a body: sha-256 as a structured-field byte sequence. */
export const contentDigest = (body: Buffer | string): string => `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

export interface SignatureParams {
  created: number;
  expires: number;
  nonce: string;
  keyid: string;
  alg: string | null;
}

/** The serialized @signature-params inner list (also the Signature-Input member's value). */
export function signatureParams(p: SignatureParams): string {
  const str = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const list = `(${COVERED_COMPONENTS.map((c) => str(c)).join(' ')})`;
  return `${list};created=${p.created};expires=${p.expires};nonce=${str(p.nonce)};keyid=${str(p.keyid)}${p.alg ? `;alg=${str(p.alg)}` : ''};tag=${str(SIGNATURE_TAG)}`;
}

/** The signature base (RFC 9421 §2.5) of a request over COVERED_COMPONENTS. */
export function signatureBase(req: { method: string; url: string; contentDigest: string }, params: string): string {
  return [`"@method": ${req.method.toUpperCase()}`, `"@target-uri": ${req.url}`, `"content-digest": ${req.contentDigest}`, `"@signature-params": ${params}`].join('\n');
}

function signBase(signer: Signer, base: string): Buffer {
  const data = Buffer.from(base, 'utf8');
  switch (signer.keyAlg) {
    case 'ed25519':
      return nodeSign(null, data, signer.privateKey);
    case 'ecdsa-p256':
      return nodeSign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
    case 'rsa':
      return nodeSign('sha512', data, { key: signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
    default:
      return sign('SM2-SM3', data, signer.privateKey);
  }
}

/** The headers that sign one request: Content-Digest, Signature-Input and Signature. */
export function signHttpRequest(signer: Signer, req: { method: string; url: string; body: Buffer | string }, at: { now: Date; nonce: string }): Record<string, string> {
  const created = Math.floor(at.now.getTime() / 1000);
  const digest = contentDigest(req.body);
  const params = signatureParams({ created, expires: created + SIGNATURE_TTL_SECONDS, nonce: at.nonce, keyid: signer.keyId, alg: httpSigAlgOf(signer.keyAlg) });
  const signature = signBase(signer, signatureBase({ method: req.method, url: new URL(req.url).href, contentDigest: digest }, params));
  return {
    'content-digest': digest,
    'signature-input': `${SIGNATURE_LABEL}=${params}`,
    signature: `${SIGNATURE_LABEL}=:${signature.toString('base64')}:`,
  };
}
