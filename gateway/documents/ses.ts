import forge from 'node-forge';
import type { Signer } from '../crypto/sign';
import { bits, derHeader, fromDer, fromPem, octets, oid, seq, smallInt, toDer, type Asn1 } from '../../certs/asn1';
import { contentOf, rawChildren } from '../../certs/parse';

/**
 * Electronic seals of GB/T 38540-2020 (信息安全技术 安全电子签章密码技术规范), version 4,
 * in DER built with node-forge's ASN.1 (encoding only; signatures by gateway/crypto/sign,
 * SM2 with the GM/T 0009 default ID):
 *
 *   SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING (制章人证书),
 *                         signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
 *   SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
 *                         property SES_ESPropertyInfo, picture SES_ESPictrueInfo }
 *   SES_Header ::= SEQUENCE { ID IA5String "ES", version INTEGER 4, Vid IA5String }
 *   SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER (1),
 *                         certList SEQUENCE OF OCTET STRING (签章人证书), createDate, validStart,
 *                         validEnd GeneralizedTime }
 *   SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING (签章人证书),
 *                         signatureAlgID OBJECT IDENTIFIER, signature BIT STRING }
 *   TBS_Sign ::= SEQUENCE { version INTEGER 4, eseal SESeal, timeInfo GeneralizedTime,
 *                         dataHash BIT STRING, propertyInfo IA5String }
 *
 * The 制章人 signs the DER of SEQUENCE { eSealInfo, cert, signAlgID }; the 签章人 signs the
 * DER of TBS_Sign. Parsing keeps the exact bytes of what was signed (rawChildren).
 */
const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;

export const SES_VERSION = 4;
/** SM2 signature with SM3 (GM/T 0006). */
export const SM2_SM3_OID = '1.2.156.10197.1.501';
/** 单位印章 (seal type 1 of GB/T 38540 ESPropertyInfo). */
export const SEAL_TYPE_ORGANIZATION = 1;

const IA5 = 22;
const UTF8 = 12;
const GENERALIZED_TIME = 24;

const ia5 = (s: string): Asn1 => {
  if (!/^[\x00-\x7f]*$/.test(s)) throw new Error(`IA5String must be ASCII: ${JSON.stringify(s)}`);
  return asn1.create(U, IA5, false, s);
};
const utf8 = (s: string): Asn1 => asn1.create(U, UTF8, false, forge.util.encodeUtf8(s));
/** GeneralizedTime in UTC to the second (YYYYMMDDHHMMSSZ, DER form). */
const gtime = (d: Date): Asn1 => asn1.create(U, GENERALIZED_TIME, false, d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'));

export interface SealPicture {
  type: 'PNG';
  data: Buffer;
  /** Display size in millimetres. */
  widthMm: number;
  heightMm: number;
}

export interface SealSpec {
  /** 印章标识 (IA5). */
  esID: string;
  /** 厂商标识 of the header (IA5). */
  vid: string;
  name: string;
  type: number;
  /** The certificates (DER) of who may sign with this seal. */
  signerCerts: Buffer[];
  createDate: Date;
  validStart: Date;
  validEnd: Date;
  picture: SealPicture;
}

function sm2Signer(s: Signer, who: string): Buffer {
  if (s.alg !== 'SM2-SM3') throw new Error(`GB/T 38540 seals are signed with SM2; the ${who} key signs with ${s.alg}`);
  if (!s.certPem) throw new Error(`the ${who} has no certificate`);
  return fromPem(s.certPem, 'CERTIFICATE');
}

/** The DER of a SESeal made (signed) by `maker`, the 制章人. */
export function makeSeal(spec: SealSpec, maker: Signer): Buffer {
  const makerCert = sm2Signer(maker, 'seal maker');
  const sealInfo = seq([
    seq([ia5('ES'), smallInt(SES_VERSION), ia5(spec.vid)]),
    ia5(spec.esID),
    seq([smallInt(spec.type), utf8(spec.name), smallInt(1), seq(spec.signerCerts.map(octets)), gtime(spec.createDate), gtime(spec.validStart), gtime(spec.validEnd)]),
    seq([ia5(spec.picture.type), octets(spec.picture.data), smallInt(spec.picture.widthMm), smallInt(spec.picture.heightMm)]),
  ]);
  const tbs = toDer(seq([sealInfo, octets(makerCert), oid(SM2_SM3_OID)]));
  const signature = maker.sign(tbs);
  return toDer(seq([sealInfo, octets(makerCert), oid(SM2_SM3_OID), bits(signature)]));
}

export interface SignWithSeal {
  timeInfo: Date;
  /** The digest of the signed data (SM3 of the document's canonical bytes). */
  dataHash: Buffer;
  /** 原文数据的属性 (IA5): what was signed and how it was made canonical. */
  propertyInfo: string;
}

/** The DER of a SES_Signature: the 签章人 `signer` signs TBS_Sign { 4, seal, time, hash, property }. */
export function signWithSeal(sealDer: Buffer, input: SignWithSeal, signer: Signer): Buffer {
  const signerCert = sm2Signer(signer, 'signer');
  const tbs = toDer(seq([smallInt(SES_VERSION), fromDer(sealDer), gtime(input.timeInfo), bits(input.dataHash), ia5(input.propertyInfo)]));
  const signature = signer.sign(tbs);
  return toDer(seq([fromDer(tbs), octets(signerCert), oid(SM2_SM3_OID), bits(signature)]));
}

// ---- parsing -------------------------------------------------------------------

export interface ParsedSeal {
  der: Buffer;
  /** The bytes the 制章人 signed: SEQUENCE { eSealInfo, cert, signAlgID }. */
  signedBytes: Buffer;
  version: number;
  vid: string;
  esID: string;
  type: number;
  name: string;
  signerCerts: Buffer[];
  createDate: Date;
  validStart: Date;
  validEnd: Date;
  picture: { type: string; data: Buffer; widthMm: number; heightMm: number };
  makerCert: Buffer;
  signAlgID: string;
  signature: Buffer;
}

export interface ParsedSesSignature {
  der: Buffer;
  /** The exact TBS_Sign DER (what the signer signed). */
  tbs: Buffer;
  version: number;
  seal: ParsedSeal;
  timeInfo: Date;
  dataHash: Buffer;
  propertyInfo: string;
  signerCert: Buffer;
  signatureAlgID: string;
  signature: Buffer;
}

const expectTag = (el: Buffer, tag: number, what: string): Buffer => {
  if (el[0] !== tag) throw new Error(`malformed ${what}: tag 0x${el[0]?.toString(16)} where 0x${tag.toString(16)} was expected`);
  return contentOf(el);
};
const int = (el: Buffer, what: string): number => {
  const c = expectTag(el, 0x02, what);
  if (c.length > 4 || c.length === 0) throw new Error(`malformed ${what}: integer out of range`);
  return c.readIntBE(0, c.length);
};
const text = (el: Buffer, tag: number, what: string): string => expectTag(el, tag, what).toString(tag === IA5 ? 'latin1' : 'utf8');
const oidOf = (el: Buffer, what: string): string => asn1.derToOid(new forge.util.ByteStringBuffer(expectTag(el, 0x06, what).toString('binary')));
const bitsOf = (el: Buffer, what: string): Buffer => {
  const c = expectTag(el, 0x03, what);
  if (c[0] !== 0) throw new Error(`malformed ${what}: unused bits`);
  return c.subarray(1);
};
function timeOf(el: Buffer, what: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text(el, GENERALIZED_TIME, what));
  if (!m) throw new Error(`malformed ${what}: GeneralizedTime`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}
function parts(el: Buffer, n: number, what: string): Buffer[] {
  if (el[0] !== 0x30) throw new Error(`malformed ${what}: SEQUENCE expected`);
  const c = rawChildren(el);
  if (c.length !== n) throw new Error(`malformed ${what}: ${c.length} elements where ${n} were expected`);
  return c;
}

export function parseSeal(der: Buffer): ParsedSeal {
  const [info, cert, alg, value] = parts(der, 4, 'SESeal');
  const [header, esID, property, picture] = parts(info!, 4, 'SES_SealInfo');
  const [id, version, vid] = parts(header!, 3, 'SES_Header');
  if (text(id!, IA5, 'SES_Header.ID') !== 'ES') throw new Error('malformed SES_Header: ID is not "ES"');
  const [type, name, certListType, certList, createDate, validStart, validEnd] = parts(property!, 7, 'SES_ESPropertyInfo');
  if (int(certListType!, 'certListType') !== 1) throw new Error('unsupported certListType (only 1, certificates, is read)');
  const [pType, pData, width, height] = parts(picture!, 4, 'SES_ESPictrueInfo');
  const body = Buffer.concat([info!, cert!, alg!]);
  return {
    der,
    signedBytes: Buffer.concat([derHeader(0x30, body.length), body]),
    version: int(version!, 'SES_Header.version'),
    vid: text(vid!, IA5, 'SES_Header.Vid'),
    esID: text(esID!, IA5, 'esID'),
    type: int(type!, 'property.type'),
    name: text(name!, UTF8, 'property.name'),
    signerCerts: (certList![0] === 0x30 ? rawChildren(certList!) : []).map((c) => expectTag(c, 0x04, 'certList')),
    createDate: timeOf(createDate!, 'createDate'),
    validStart: timeOf(validStart!, 'validStart'),
    validEnd: timeOf(validEnd!, 'validEnd'),
    picture: { type: text(pType!, IA5, 'picture.type'), data: expectTag(pData!, 0x04, 'picture.data'), widthMm: int(width!, 'picture.width'), heightMm: int(height!, 'picture.height') },
    makerCert: expectTag(cert!, 0x04, 'SESeal.cert'),
    signAlgID: oidOf(alg!, 'SESeal.signAlgID'),
    signature: bitsOf(value!, 'SESeal.signedValue'),
  };
}

export function parseSesSignature(der: Buffer): ParsedSesSignature {
  const [tbs, cert, alg, value] = parts(der, 4, 'SES_Signature');
  const [version, seal, timeInfo, dataHash, propertyInfo] = parts(tbs!, 5, 'TBS_Sign');
  return {
    der,
    tbs: tbs!,
    version: int(version!, 'TBS_Sign.version'),
    seal: parseSeal(seal!),
    timeInfo: timeOf(timeInfo!, 'timeInfo'),
    dataHash: bitsOf(dataHash!, 'dataHash'),
    propertyInfo: text(propertyInfo!, IA5, 'propertyInfo'),
    signerCert: expectTag(cert!, 0x04, 'SES_Signature.cert'),
    signatureAlgID: oidOf(alg!, 'signatureAlgID'),
    signature: bitsOf(value!, 'SES_Signature.signature'),
  };
}
