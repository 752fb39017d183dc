import { X509Certificate } from 'node:crypto';
import { canonicalJson } from './canonical';
import { digestHex, type DigestAlg } from './digest';
import { digestAlgFor, verify, Verifier, type SigAlg, type Signer } from './sign';
import { verifyBatched, type BatchedSignature } from './batch-signature';

/**
 * Signed envelopes (pure; shared with the offline verifier).
 *
 * The header holds what a sender knows when it signs (including the signing time), so a department can sign
 * it itself; the gateway signs the same header on the department's behalf when
 * it does not. What is signed is the header's canonical JSON (RFC 8785) text,
 * through a batch signature: its leaf is in the signed manifest's Merkle root.
 */
export interface EnvelopeHeader {
  v: 1;
  messageId: string;
  sender: string;
  receiver: string;
  type: string;
  caseId: string | null;
  purpose: string;
  /** When the sender signed: RFC 3339 with offset. The gateway's receiving time when it signs on the department's behalf. */
  time: string;
  payloadDigest: { alg: DigestAlg; value: string };
}

/**
 * A signature over the envelope header, made with a batch signature (see
 * batch-signature.ts): role sender = the sending department's key.
 */
export type EnvelopeSignature = BatchedEnvelopeSignature | PlainEnvelopeSignature;

/** Made by the gateway: the department's (on its behalf) or its own countersignature, batched per commit. */
export interface BatchedEnvelopeSignature extends BatchedSignature {
  role: 'sender' | 'gateway';
  /** true when the gateway held the department key and signed for it. */
  onBehalf: boolean;
}

/** Made by the sending department itself over the header's canonical text (sent with the push). */
export interface PlainEnvelopeSignature {
  role: 'sender';
  onBehalf: false;
  signer: string;
  alg: SigAlg;
  certificate: string;
  value: string;
}

const isBatched = (s: EnvelopeSignature): s is BatchedEnvelopeSignature => 'manifest' in s;

/** Verifies one envelope signature over `text` with the signer's certificate. Never throws. */
export function verifyEnvelopeSignature(s: EnvelopeSignature, text: string, certPem: string): boolean {
  if (isBatched(s)) return verifyBatched(s, text, certPem);
  try {
    return verify(s.alg, text, Buffer.from(s.value, 'base64'), Verifier.fromPem(certPem, s.alg).publicKey);
  } catch {
    return false;
  }
}

export interface Envelope {
  header: EnvelopeHeader;
  signatures: EnvelopeSignature[];
}

/** Lowercase hex SHA-256 of a certificate's DER (the id certificates go by everywhere). */
export function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

export function buildHeader(
  m: { messageId: string; sender: string; receiver: string; type: string; caseId: string | null; purpose: string; time: string },
  canonicalPayload: string,
  digestAlg: DigestAlg,
): EnvelopeHeader {
  // Members in RFC 8785 order, so canonicalJson serialises the header as it is (no sorted copy).
  return {
    caseId: m.caseId,
    messageId: m.messageId,
    payloadDigest: { alg: digestAlg, value: digestHex(digestAlg, canonicalPayload) },
    purpose: m.purpose,
    receiver: m.receiver,
    sender: m.sender,
    time: m.time,
    type: m.type,
    v: 1,
  };
}

/**
 * What each role signs: the sender signs the header's canonical text; the gateway
 * countersigns the header together with the sender's signature value.
 */
export function signedTextFor(role: EnvelopeSignature['role'], header: EnvelopeHeader, senderSignature?: string): string {
  if (role === 'sender') return canonicalJson(header);
  return canonicalJson({ header, senderSignature: senderSignature ?? null });
}

/** The digest algorithm a department's payload digests use: SM3 with SM2 keys, SHA-256 otherwise. */
export const payloadDigestAlgFor = (signer: Signer): DigestAlg => digestAlgFor(signer.alg);

interface EnvelopeCheck {
  ok: boolean;
  problems: string[];
}

/**
 * Checks an envelope against the payload and the certificates (by fingerprint).
 * Certificate chain and revocation are checked by the caller (they depend on time).
 */
export function verifyEnvelope(envelope: Envelope, canonicalPayload: string, certificates: (fingerprint: string) => string | undefined): EnvelopeCheck {
  const problems: string[] = [];
  const h = envelope.header;
  if (digestHex(h.payloadDigest.alg, canonicalPayload) !== h.payloadDigest.value) problems.push('payload digest does not match the payload');
  const sender = envelope.signatures.find((s) => s.role === 'sender');
  if (!sender) problems.push('no sender signature');
  for (const s of envelope.signatures) {
    const pem = certificates(s.certificate);
    if (!pem) {
      problems.push(`${s.role} signature: certificate ${s.certificate.slice(0, 16)}… is unknown`);
      continue;
    }
    const ok = verifyEnvelopeSignature(s, signedTextFor(s.role, h, sender?.value), pem);
    if (!ok) problems.push(`${s.role} signature by ${s.signer} does not verify`);
  }
  return { ok: problems.length === 0, problems };
}
