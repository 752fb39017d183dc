/**
 * Checking a GB/T 38540 SES_Signature with openssl alone: the depth-1 elements by
 * `asn1parse`, TBS_Sign, the signature and the 签章人's certificate cut out with
 * -offset/-strparse, then `openssl dgst -sm3 -verify` with the GM/T 0009 default ID.
 */
import { DISTID, openssl } from '../crypto/support';

/** asn1parse lines of the depth-1 elements: offset, header length, length, type. */
export function topLevel(file: string, dir: string) {
  const r = openssl(['asn1parse', '-inform', 'DER', '-in', file], dir);
  if (r.code !== 0) throw new Error(`openssl asn1parse: ${r.out}`);
  return r.out
    .split('\n')
    .map((l) => /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(?:cons|prim):\s+(.+?)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[2] === '1')
    .map((m) => ({ offset: +m[1]!, hl: +m[3]!, len: +m[4]!, type: m[5]!.replace(/\s*(\[HEX DUMP\])?:.*$/, '') }));
}

/** Cuts tbs.der, sig.der and pub.pem (the signer's key) out of the SES_Signature in `file`. */
export function cutSesSignature(file: string, dir: string): void {
  const [tbs, cert, , sig] = topLevel(file, dir);
  const run = (args: string[]) => {
    const r = openssl(args, dir);
    if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.out}`);
  };
  run(['asn1parse', '-inform', 'DER', '-in', file, '-offset', String(tbs!.offset), '-length', String(tbs!.hl + tbs!.len), '-noout', '-out', 'tbs.der']);
  run(['asn1parse', '-inform', 'DER', '-in', file, '-strparse', String(sig!.offset), '-noout', '-out', 'sig.der']);
  run(['asn1parse', '-inform', 'DER', '-in', file, '-strparse', String(cert!.offset), '-noout', '-out', 'signer.der']);
  run(['x509', '-inform', 'DER', '-in', 'signer.der', '-pubkey', '-noout', '-out', 'pub.pem']);
}

/** openssl's verdict on the signature over TBS_Sign (with the default distinguishing ID, or without it). */
export const opensslVerifiesTbs = (dir: string, withDistId = true) => openssl(['dgst', '-sm3', '-verify', 'pub.pem', ...(withDistId ? DISTID : []), '-signature', 'sig.der', 'tbs.der'], dir);
