import forge from 'node-forge';
import { Asn1, buf, fromDer, NAME_OIDS } from './asn1';

/**
 * Reading fields out of certificate DER with forge.asn1 (the things Node's
 * X509Certificate does not expose: raw names, key identifiers, pathLen,
 * keyUsage bits). Field reading only; signatures are checked in chain.ts / crl.ts (gateway/crypto/sign).
 */
const { asn1 } = forge;
const T = asn1.Type;

interface CertificateFields {
  serialHex: string;
  issuerName: Asn1;
  subjectName: Asn1;
  signatureOid: string;
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

const children = (a: Asn1): Asn1[] => {
  if (!Array.isArray(a.value)) throw new Error('malformed ASN.1: expected a constructed value');
  return a.value;
};
const bytesOf = (a: Asn1): Buffer => buf(a.value as string);

/** Serial numbers as compared everywhere: lowercase hex, no leading zeros. */
export const normalizeSerial = (hex: string): string => hex.toLowerCase().replace(/^0+(?=.)/, '');

/**
 * The raw DER of each element inside a constructed DER element, byte for byte
 * (what a signature covers must not go through a decode/re-encode).
 */
export function rawChildren(der: Buffer): Buffer[] {
  const outer = tlv(der, 0);
  if (outer.end !== der.length || (der[0] & 0x20) === 0) throw new Error('malformed DER: expected one constructed element');
  const out: Buffer[] = [];
  for (let off = outer.start; off < outer.end; ) {
    const el = tlv(der, off);
    if (el.end > outer.end) throw new Error('malformed DER: element overruns its parent');
    out.push(der.subarray(off, el.end));
    off = el.end;
  }
  return out;
}

/** The exact signed bytes (TBSCertificate / TBSCertList) and the signature of a Certificate or CertificateList DER. */
export function signedParts(der: Buffer): { tbsDer: Buffer; signature: Buffer } {
  const [tbsDer, , sigBits] = rawChildren(der);
  const bits = sigBits ? sigBits.subarray(tlv(sigBits, 0).start) : undefined;
  if (!bits || sigBits[0] !== 0x03 || bits[0] !== 0) throw new Error('malformed signature BIT STRING');
  return { tbsDer, signature: bits.subarray(1) };
}

/** The content octets of one DER element (tag and length stripped). */
export function contentOf(el: Buffer): Buffer {
  const t = tlv(el, 0);
  if (t.end !== el.length) throw new Error('malformed DER: trailing bytes after the element');
  return el.subarray(t.start, t.end);
}

function tlv(der: Buffer, off: number): { start: number; end: number } {
  if (off + 2 > der.length || (der[off] & 0x1f) === 0x1f) throw new Error('malformed DER: bad tag');
  const first = der[off + 1];
  if (first < 0x80) return { start: off + 2, end: off + 2 + first };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || off + 2 + n > der.length) throw new Error('malformed DER: bad length');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[off + 2 + i];
  return { start: off + 2 + n, end: off + 2 + n + len };
}

export function readCertificate(der: Buffer): CertificateFields {
  const [tbs, sigAlg] = children(fromDer(der));
  const f = children(tbs);
  const hasVersion = f[0].tagClass === asn1.Class.CONTEXT_SPECIFIC && f[0].type === 0;
  const [serial, innerAlg, issuerName, , subjectName] = hasVersion ? f.slice(1) : f;
  const signatureOid = asn1.derToOid(children(sigAlg)[0].value as string);
  if (asn1.derToOid(children(innerAlg)[0].value as string) !== signatureOid) throw new Error('malformed certificate: inner and outer signature algorithms differ');
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const extWrapper = f.find((x) => x.tagClass === asn1.Class.CONTEXT_SPECIFIC && x.type === 3);
  for (const ext of extWrapper ? children(children(extWrapper)[0]) : []) {
    const parts = children(ext);
    const critical = parts.length === 3 && (parts[1].value as string) !== '\x00';
    extensions.set(asn1.derToOid(parts[0].value as string), { critical, value: bytesOf(parts[parts.length - 1]) });
  }
  return {
    serialHex: normalizeSerial(bytesOf(serial).toString('hex')),
    issuerName,
    subjectName,
    signatureOid,
    extensions,
  };
}

interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export function readBasicConstraints(fields: CertificateFields): BasicConstraints | null {
  const ext = fields.extensions.get('2.5.29.19');
  if (!ext) return null;
  const parts = children(fromDer(ext.value));
  let ca = false;
  let pathLen: number | undefined;
  for (const p of parts) {
    if (p.type === T.BOOLEAN) ca = (p.value as string) !== '\x00';
    if (p.type === T.INTEGER) pathLen = asn1.derToInteger(p.value as string);
  }
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
type KeyUsage = (typeof KEY_USAGE_BITS)[number];

/** keyUsage bits, or null when the extension is absent (then any use is allowed). */
export function readKeyUsage(fields: CertificateFields): Set<KeyUsage> | null {
  const ext = fields.extensions.get('2.5.29.15');
  if (!ext) return null;
  const content = bytesOf(fromDer(ext.value)).subarray(1); // drop the unused-bits octet
  const usages = new Set<KeyUsage>();
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = content[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) usages.add(name);
  });
  return usages;
}

export function readSubjectKeyId(fields: CertificateFields): Buffer | null {
  const ext = fields.extensions.get('2.5.29.14');
  return ext ? bytesOf(fromDer(ext.value)) : null;
}

const NAME_BY_OID = new Map(NAME_OIDS.map(([k, o]) => [o, k as string]));

/** A Name as readable text per attribute (UTF8String decoded), e.g. { C: 'CN', O: '江州市住房和城乡建设局', CN: '…' }. */
export function decodeName(name: Asn1): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      const typeOid = asn1.derToOid(type.value as string);
      const key = NAME_BY_OID.get(typeOid) ?? typeOid;
      const text = value.type === T.UTF8 ? forge.util.decodeUtf8(value.value as string) : (value.value as string);
      out[key] = out[key] === undefined ? text : `${out[key]}+${text}`;
    }
  }
  return out;
}

export const nameDer = (name: Asn1): Buffer => buf(asn1.toDer(name).getBytes());

/** UTCTime or GeneralizedTime node to Date. */
export function decodeTime(a: Asn1): Date {
  if (a.type === T.UTCTIME) return asn1.utcTimeToDate(a.value as string);
  if (a.type === T.GENERALIZEDTIME) return asn1.generalizedTimeToDate(a.value as string);
  throw new Error('expected UTCTime or GeneralizedTime');
}
