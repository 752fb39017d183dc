/**
 * An enveloped XML signature (XMLDSig 1.0) on a package, for stations that speak XML
 * signatures and not GB/T 38540: RSA-SHA256 (RSASSA-PKCS1-v1_5), SHA-256 digest,
 * exclusive C14N, one Reference with URI="" (the whole document) and the
 * enveloped-signature transform, the signer's certificate in KeyInfo. With xml-crypto
 * (the maintained implementation), configured to know ONLY these algorithms: a
 * signature using SHA-1, RSA-SHA1, HMAC or inclusive C14N fails as an unknown algorithm.
 *
 * Verifying: the text passes the hardened XML gate first (no DOCTYPE/entities), the key
 * is the certificate the caller trusts for that station (never the one in KeyInfo),
 * exactly one ds:Signature must sit directly under the root, its one Reference must be
 * URI="" with exactly the two transforms, and the caller is given the signed canonical
 * bytes, not the input (so nothing outside the signature can be slipped in).
 * XMLDSig has no registered SM2 algorithm: the SM2 seal travels as SES_Signature inside.
 */
import { SignedXml } from 'xml-crypto';
import { XMLParser } from 'fast-xml-parser';
import { AdapterError } from '../errors';
import { assertSafeXml, UnsafeXmlError } from '../soap/safe-xml';
import { localName, type ElementSpan } from '../soap/xml-scan';
import { PACKAGE_XML_LIMITS } from './package';

const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** Keeps only the algorithms above in an xml-crypto instance (its defaults include SHA-1 and HMAC). */
function restrict(sig: SignedXml): SignedXml {
  const keep = <T>(table: Record<string, T>, allowed: string[]): Record<string, T> => Object.fromEntries(Object.entries(table).filter(([k]) => allowed.includes(k)));
  sig.SignatureAlgorithms = keep(sig.SignatureAlgorithms, [RSA_SHA256]) as SignedXml['SignatureAlgorithms'];
  sig.HashAlgorithms = keep(sig.HashAlgorithms, [SHA256]) as SignedXml['HashAlgorithms'];
  sig.CanonicalizationAlgorithms = keep(sig.CanonicalizationAlgorithms, [EXC_C14N, ENVELOPED]) as SignedXml['CanonicalizationAlgorithms'];
  return sig;
}

/** The package with an enveloped signature appended as the root's last child. */
export function signPackage(xml: string, privateKeyPem: string, certPem: string): string {
  assertSafeXml(xml, PACKAGE_XML_LIMITS);
  const sig = restrict(new SignedXml({ privateKey: privateKeyPem, publicCert: certPem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N }));
  sig.addReference({ xpath: '/*', digestAlgorithm: SHA256, transforms: [ENVELOPED, EXC_C14N], isEmptyUri: true });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}

export type PackageSignatureCheck = { ok: true; signedXml: string } | { ok: false; reason: string };

/** Reads the (gated) ds:Signature element with its attributes, nothing expanded. */
const signatureReader = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, processEntities: false, htmlEntities: false, parseTagValue: false, isArray: (name) => ['Reference', 'Transform'].includes(name) });

type Attrs = Record<string, unknown>;

/** Checks the enveloped signature against the station's certificate; on success returns the signed canonical XML. */
export function verifyPackageSignature(xml: string, stationCertPem: string): PackageSignatureCheck {
  const signatures: ElementSpan[] = [];
  try {
    assertSafeXml(xml, PACKAGE_XML_LIMITS, { onElement: (span) => void (span.ns === DSIG && localName(span.qname) === 'Signature' && signatures.push(span)) });
  } catch (err) {
    if (err instanceof UnsafeXmlError) return { ok: false, reason: `not acceptable XML: ${err.message}` };
    throw err;
  }
  if (signatures.length !== 1) return { ok: false, reason: `${signatures.length} ds:Signature elements; exactly one is expected` };
  const span = signatures[0]!;
  if (span.depth !== 2) return { ok: false, reason: 'the ds:Signature is not a child of the root element' };
  const signatureXml = xml.slice(span.start, span.end);
  const info = ((signatureReader.parse(signatureXml) as Attrs).Signature as Attrs | undefined)?.SignedInfo as Attrs | undefined;
  const refs = (info?.Reference as Attrs[] | undefined) ?? [];
  if (refs.length !== 1 || refs[0]!['@URI'] !== '') return { ok: false, reason: 'the signature must have one Reference with URI="" (the whole package)' };
  const algs = (((refs[0]!.Transforms as Attrs | undefined)?.Transform as Attrs[] | undefined) ?? []).map((t) => t['@Algorithm']);
  if (algs.length !== 2 || algs[0] !== ENVELOPED || algs[1] !== EXC_C14N) return { ok: false, reason: 'the Reference transforms must be enveloped-signature then exclusive C14N' };
  const sig = restrict(new SignedXml({ publicCert: stationCertPem, getCertFromKeyInfo: () => null }));
  try {
    sig.loadSignature(signatureXml);
    if (!sig.checkSignature(xml)) return { ok: false, reason: 'the signature does not verify' };
  } catch (err) {
    return { ok: false, reason: `the signature does not verify: ${(err as Error).message}` };
  }
  const signed = sig.getSignedReferences();
  if (signed.length !== 1) return { ok: false, reason: 'no signed reference' };
  return { ok: true, signedXml: signed[0]! };
}

/** verifyPackageSignature, throwing the adapter's error when it fails. */
export function requireSignedPackage(xml: string, stationCertPem: string): string {
  const check = verifyPackageSignature(xml, stationCertPem);
  if (!check.ok) throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', `package signature: ${check.reason}`);
  return check.signedXml;
}
