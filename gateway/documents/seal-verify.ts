import { X509Certificate } from 'node:crypto';
import { verify } from '../crypto/sign';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import type { OfficialDocument } from './model';
import { parseSesSignature, SES_VERSION, SM2_SM3_OID, type ParsedSesSignature } from './ses';

/**
 * Verifying a GB/T 38540 SES_Signature against the bytes it claims to seal (a pure
 * function: no store, no clock; the caller says which 制章人 certificates it trusts).
 * Checked, in order: the DER parses strictly; version 4 and SM2-with-SM3 everywhere; the
 * 制章人's signature over the seal; the 签章人's certificate is one the seal lists; the
 * 签章人's signature over TBS_Sign; the signing time within the seal's validity; the data
 * hash equals SM3 of `content`; the 制章人 is trusted. Signatures by gateway/crypto/sign
 * (SM2 with the default ID), never by node-forge.
 */
export interface AttachmentDigests {
  name: string;
  mediaType: string;
  size: number;
  digests: { alg: 'sm3' | 'sha256'; value: string }[];
}

/** The name of the sealed form (the exchange package's 原文 格式). */
export const SEALED_CONTENT_FORMAT = 'xgw-canonical-json-v1';

/** What the seal covers: the canonical JSON of { document, attachments (name, type, size, digests) }. */
export const sealedBytes = (document: OfficialDocument, attachments: AttachmentDigests[]): Buffer =>
  Buffer.from(canonicalJson({ v: 1, document, attachments: attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, size: a.size, digests: a.digests })) }), 'utf8');

export type SealCheck =
  | { status: 'verified'; esID: string; sealName: string; signer: string; maker: string; signedAt: string; propertyInfo: string }
  | { status: 'invalid'; reason: string };

export interface SealVerifyOptions {
  /** Whether a 制章人 certificate (by SHA-256 fingerprint of its DER, lowercase hex) is trusted. */
  trustedMaker(fingerprint: string): boolean;
}

const fingerprint = (der: Buffer) => digestHex('sha256', der);

const invalid = (reason: string): SealCheck => ({ status: 'invalid', reason });

function publicKey(der: Buffer, who: string) {
  try {
    return new X509Certificate(der).publicKey;
  } catch {
    throw new Error(`the ${who} certificate does not parse`);
  }
}

export function verifySesSignature(der: Buffer, content: Buffer, opts: SealVerifyOptions): SealCheck {
  let s: ParsedSesSignature;
  try {
    s = parseSesSignature(der);
  } catch (err) {
    return invalid(`not a GB/T 38540 SES_Signature: ${(err as Error).message}`);
  }
  const seal = s.seal;
  if (s.version !== SES_VERSION || seal.version !== SES_VERSION) return invalid(`version ${s.version}/${seal.version}; only version ${SES_VERSION} is read`);
  if (s.signatureAlgID !== SM2_SM3_OID || seal.signAlgID !== SM2_SM3_OID) return invalid('the signature algorithm is not SM2 with SM3');
  try {
    if (!verify('SM2-SM3', seal.signedBytes, seal.signature, publicKey(seal.makerCert, 'seal maker'))) return invalid('the seal maker signature over the seal does not verify');
    if (!seal.signerCerts.some((c) => c.equals(s.signerCert))) return invalid('the signer certificate is not one the seal lists');
    if (!verify('SM2-SM3', s.tbs, s.signature, publicKey(s.signerCert, 'signer'))) return invalid('the signature over TBS_Sign does not verify');
  } catch (err) {
    return invalid((err as Error).message);
  }
  if (s.timeInfo < seal.validStart || s.timeInfo > seal.validEnd) return invalid('signed outside the seal validity period');
  if (!Buffer.from(digestHex('sm3', content), 'hex').equals(s.dataHash)) return invalid('the data hash does not match the content (the content changed)');
  const maker = fingerprint(seal.makerCert);
  if (!opts.trustedMaker(maker)) return invalid('the seal maker certificate is not trusted');
  return { status: 'verified', esID: seal.esID, sealName: seal.name, signer: fingerprint(s.signerCert), maker, signedAt: s.timeInfo.toISOString(), propertyInfo: s.propertyInfo };
}
