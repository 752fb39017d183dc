import { X509Certificate } from 'node:crypto';
import { canonicalJson } from './canonical';
import { digestHex, type DigestAlg } from './digest';
import { digestAlgFor, verify, Verifier, type SigAlg, type Signer } from './sign';

/**
 * Signed envelopes (pure; shared with the offline verifier).
 *
 * The header holds what a sender knows before sending, so a department can sign
 * it itself; the gateway signs the same header on the department's behalf when
 * it does not. The signature is over the header's canonical JSON (RFC 8785) text,
 * so `openssl dgst -verify` on that text checks it without our code.
 */
export interface EnvelopeHeader {
  v: 1;
  messageId: string;
  sender: string;
  receiver: string;
  type: string;
  caseId: string | null;
  purpose: string;
  payloadDigest: { alg: DigestAlg; value: string };
}

export interface EnvelopeSignature {
  /** sender: the sending department's key; gateway: the gateway's countersignature. */
  role: 'sender' | 'gateway';
  /** Member code, or 'gateway'. */
  signer: string;
  /** true when the gateway held the department key and signed for it. */
  onBehalf: boolean;
  alg: SigAlg;
  /** SHA-256 fingerprint (hex) of the signing certificate's DER. */
  certificate: string;
  /** base64 signature over `signedText` of this role (see signedTextFor). */
  value: string;
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
  m: { messageId: string; sender: string; receiver: string; type: string; caseId: string | null; purpose: string },
  canonicalPayload: string,
  digestAlg: DigestAlg,
): EnvelopeHeader {
  return {
    v: 1,
    messageId: m.messageId,
    sender: m.sender,
    receiver: m.receiver,
    type: m.type,
    caseId: m.caseId,
    purpose: m.purpose,
    payloadDigest: { alg: digestAlg, value: digestHex(digestAlg, canonicalPayload) },
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

export function signatureBy(role: EnvelopeSignature['role'], signerName: string, signer: Signer, text: string, onBehalf: boolean): EnvelopeSignature {
  const cert = signer.certPem;
  if (!cert) throw new Error(`signer ${signerName} has no certificate`);
  return { role, signer: signerName, onBehalf, alg: signer.alg, certificate: certificateFingerprint(cert), value: signer.sign(text).toString('base64') };
}

/** The digest algorithm a department's payload digests use: SM3 with SM2 keys, SHA-256 otherwise. */
export const payloadDigestAlgFor = (signer: Signer): DigestAlg => digestAlgFor(signer.alg);

export interface EnvelopeCheck {
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
    const text = signedTextFor(s.role, h, sender?.value);
    let ok = false;
    try {
      ok = verify(s.alg, text, Buffer.from(s.value, 'base64'), Verifier.fromPem(pem, s.alg).publicKey);
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`${s.role} signature by ${s.signer} does not verify`);
  }
  return { ok: problems.length === 0, problems };
}
