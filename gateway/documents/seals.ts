import { X509Certificate } from 'node:crypto';
import { digestHex } from '../crypto/digest';
import type { Signer } from '../crypto/sign';
import type { Trust } from '../trust/trust';
import { fromPem } from '../../certs/asn1';
import { makeSeal, SEAL_TYPE_ORGANIZATION, signWithSeal } from './ses';
import { SEAL_PICTURE_MM, sealPicturePng } from './seal-picture';
import { verifySesSignature, type SealCheck } from './seal-verify';

/**
 * 用印 with GB/T 38540 electronic seals. Each department has one seal per process and
 * signing certificate: made by the gateway's 制章 identity (the log signer, an SM2 key with
 * a certificate from our root), listing the department's certificate as the only 签章人,
 * valid as long as that certificate, with the demo red seal picture. The seal signature
 * (SES_Signature) covers SM3 of the sealed bytes: the canonical document JSON and its
 * attachments by digest (`sealedBytes`). Departments or a log key that are not SM2 get no
 * SES_Signature (the standard is SM2 only); their 用印 keeps the department batch signature.
 */
// What a seal covers is defined beside its verifier (pure, shared with the offline bundle verifier).
export { sealedBytes, SEALED_CONTENT_FORMAT, type AttachmentDigests } from './seal-verify';

/** The stored form of a seal signature (documents.seal.sesSignature). */
export type StoredSes =
  | { status: 'signed'; format: 'GB/T 38540-2020'; dataHash: { alg: 'sm3'; value: string }; der: string }
  | { status: 'unsupported'; reason: string };

const PROPERTY_INFO = 'xgw-document-seal-v1;canonical-json;attachments-by-digest;hash=sm3';

const seals = new WeakMap<Signer, Buffer>();
let picture: Buffer | undefined;

function departmentSeal(maker: Signer, signer: Signer, member: string, name: string, at: Date): Buffer {
  const cached = seals.get(signer);
  if (cached) return cached;
  const cert = new X509Certificate(signer.certPem!);
  const seal = makeSeal(
    {
      esID: `xgw-${member}-${cert.fingerprint256.replace(/:/g, '').slice(0, 16).toLowerCase()}`,
      vid: 'xgw',
      name,
      type: SEAL_TYPE_ORGANIZATION,
      signerCerts: [fromPem(signer.certPem!, 'CERTIFICATE')],
      createDate: at,
      validStart: new Date(cert.validFrom),
      validEnd: new Date(cert.validTo),
      picture: { type: 'PNG', data: (picture ??= sealPicturePng()), widthMm: SEAL_PICTURE_MM, heightMm: SEAL_PICTURE_MM },
    },
    maker,
  );
  seals.set(signer, seal);
  return seal;
}

/** The SES_Signature of a department over a document and its attachments, as stored. */
export function sealDocument(trust: Trust, member: string, sealName: string, content: Buffer, at: Date): StoredSes {
  const { signer } = trust.onBehalfSigner(member, at);
  const maker = trust.logSigner;
  if (signer.alg !== 'SM2-SM3') return { status: 'unsupported', reason: `GB/T 38540 seals need an SM2 key; department ${member} signs with ${signer.alg}` };
  if (maker.alg !== 'SM2-SM3' || !maker.certPem) return { status: 'unsupported', reason: `GB/T 38540 seals are made with an SM2 key; the gateway's log key signs with ${maker.alg}` };
  const seal = departmentSeal(maker, signer, member, sealName, at);
  const dataHash = digestHex('sm3', content);
  const der = signWithSeal(seal, { timeInfo: at, dataHash: Buffer.from(dataHash, 'hex'), propertyInfo: PROPERTY_INFO }, signer);
  return { status: 'signed', format: 'GB/T 38540-2020', dataHash: { alg: 'sm3', value: dataHash }, der: der.toString('base64') };
}

/** The seal signature as a reader sees it: verified against the sealed bytes now, or invalid with the reason. */
export function checkStoredSeal(trust: Trust, stored: StoredSes | undefined | string, content: Buffer): (SealCheck & { der?: string; format?: string }) | { status: 'unsupported' | 'none'; reason?: string } {
  if (!stored || typeof stored === 'string') return { status: 'none' };
  if (stored.status !== 'signed') return stored;
  const check = verifySesSignature(Buffer.from(stored.der, 'base64'), content, {
    trustedMaker: (fp) => {
      const c = trust.certificate(fp);
      return c !== undefined && c.role === 'log' && c.revokedAt === null;
    },
  });
  return { ...check, format: stored.format, der: stored.der };
}
