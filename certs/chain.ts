import { checkSignature, type SignatureCheck } from '../gateway/crypto/sign';
import { CERT_SIGNATURE_ALGORITHMS } from './asn1';
import { parseCertificate, ParsedCertificate } from './certificate';
import { checkCrlSignature, parseCrl, ParsedCrl } from './crl';
import { signedParts } from './parse';

/**
 * Certificate path validation for signatures, at a given time.
 *
 * `at` is the time the signature was made (or now for a live check). Every
 * certificate on the path must be valid at `at`; issuers must be CAs
 * (basicConstraints cA, keyCertSign, pathLen); names and key identifiers with
 * Node's X509Certificate#checkIssued. Signatures: SM2-with-SM3 (1.2.156.10197.1.501)
 * over the exact TBS bytes with gateway/crypto/sm2 and the GM/T 0009 default ID
 * (Node's X509Certificate#verify would use the empty ID); RSA/ECDSA/Ed25519 with
 * X509Certificate#verify. An SM2 certificate or CRL signed with the EMPTY ID (what
 * xgw issued before, and `openssl x509 -sm3` without `-sigopt distid:`) is refused
 * unless `acceptLegacySm2` (config trust.acceptLegacySm2Certificates, `xgw verify
 * bundle --accept-legacy-sm2-certs`); the result then says legacySm2.
 * Revocation: a certificate listed on a CRL signed by its issuer with
 * revocation date R is invalid for at >= R and still valid for at < R, so a
 * signature made before the revocation keeps verifying. (A keyCompromise
 * revocation makes earlier-dated signatures suspect too: they are only as good
 * as the evidence of *when* they were made, e.g. the log's signed timestamps.)
 */
interface ChainResult {
  ok: boolean;
  reason?: string;
  /** Leaf first, trust anchor last (when ok). */
  path?: ParsedCertificate[];
  /** Some certificate or CRL signature on the way was a legacy empty-ID SM2 one (accepted as configured). */
  legacySm2?: boolean;
}

export interface ChainOptions {
  /** Accept SM2 certificate and CRL signatures made with the EMPTY distinguishing ID (default false). */
  acceptLegacySm2?: boolean;
}

const LEGACY_HINT =
  'an SM2 signature with the EMPTY distinguishing ID, not the GM/T 0009 default 1234567812345678 (issued by an older xgw or by openssl without -sigopt distid:…); ' +
  're-issue it, or accept such certificates explicitly (config trust.acceptLegacySm2Certificates, xgw verify bundle --accept-legacy-sm2-certs)';

interface PathState {
  acceptLegacySm2: boolean;
  legacySm2: boolean;
}

const SM2_CERT_OID = CERT_SIGNATURE_ALGORITHMS.sm2.oid;

/** How `child`'s signature checks with `issuer`'s key. Never throws. */
function signatureCheck(child: ParsedCertificate, issuer: ParsedCertificate): SignatureCheck {
  try {
    if (child.signatureAlgorithmOid === SM2_CERT_OID) {
      if (issuer.keyAlg !== 'sm2') return 'invalid';
      const { tbsDer, signature } = signedParts(child.der);
      return checkSignature('SM2-SM3', tbsDer, signature, issuer.publicKey);
    }
    return child.x509.verify(issuer.publicKey) ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** signatureCheck as a yes/no under the options, remembering an accepted legacy signature. */
function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate, st: PathState): boolean {
  const check = signatureCheck(child, issuer);
  if (check === 'legacy-sm2-empty-id' && st.acceptLegacySm2) st.legacySm2 = true;
  return check === 'valid' || (check === 'legacy-sm2-empty-id' && st.acceptLegacySm2);
}

const MAX_DEPTH = 8;

const describe = (c: ParsedCertificate): string => `"${c.subject.CN ?? c.subjectString}" (serial ${c.serial})`;
const fail = (reason: string): ChainResult => ({ ok: false, reason });

function parseAll(pems: readonly string[], what: string): ParsedCertificate[] | string {
  const out: ParsedCertificate[] = [];
  for (const [i, pem] of pems.entries()) {
    try {
      out.push(parseCertificate(pem));
    } catch (err) {
      return `cannot parse ${what} #${i + 1}: ${(err as Error).message}`;
    }
  }
  return out;
}

export function verifyChain(
  leafPem: string,
  chainPems: readonly string[],
  trustedRootPems: readonly string[],
  at: Date,
  crlPems: readonly string[] = [],
  options: ChainOptions = {},
): ChainResult {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) return fail('the verification time is not a valid date');
  const leaf = parseAll([leafPem], 'leaf certificate');
  const chain = parseAll(chainPems, 'chain certificate');
  const roots = parseAll(trustedRootPems, 'trusted root');
  for (const r of [leaf, chain, roots]) if (typeof r === 'string') return fail(r);
  if ((roots as ParsedCertificate[]).length === 0) return fail('no trusted roots are configured');
  const crls: ParsedCrl[] = [];
  for (const [i, pem] of crlPems.entries()) {
    try {
      crls.push(parseCrl(pem));
    } catch (err) {
      return fail(`cannot parse CRL #${i + 1}: ${(err as Error).message}`);
    }
  }
  const st: PathState = { acceptLegacySm2: options.acceptLegacySm2 === true, legacySm2: false };
  const built = buildPath((leaf as ParsedCertificate[])[0], chain as ParsedCertificate[], roots as ParsedCertificate[], st);
  if (typeof built === 'string') return fail(built);
  const problem = checkPath(built, at) ?? checkRevocation(built, crls, at, st);
  if (problem) return fail(problem);
  return st.legacySm2 ? { ok: true, path: built, legacySm2: true } : { ok: true, path: built };
}

/** Leaf → trusted anchor by exact issuer/subject name and verifying signature; trusted roots preferred. */
function buildPath(leaf: ParsedCertificate, chain: ParsedCertificate[], roots: ParsedCertificate[], st: PathState): ParsedCertificate[] | string {
  const trusted = new Set(roots.map((r) => r.fingerprint256));
  const path = [leaf];
  const seen = new Set([leaf.fingerprint256]);
  for (;;) {
    const cur = path[path.length - 1];
    if (trusted.has(cur.fingerprint256)) return path;
    if (path.length > MAX_DEPTH) return `certificate chain is longer than ${MAX_DEPTH}`;
    const named = [...roots, ...chain].filter((c) => c.subjectNameDer.equals(cur.issuerNameDer) && !seen.has(c.fingerprint256));
    const issuer = named.find((c) => issuedBy(cur, c, st));
    if (!issuer) {
      if (named.length > 0) {
        const legacy = named.some((c) => signatureCheck(cur, c) === 'legacy-sm2-empty-id');
        if (legacy) return `the signature of ${describe(cur)} by "${cur.issuer.CN ?? cur.issuerString}" is ${LEGACY_HINT}`;
        return `the signature of ${describe(cur)} does not verify with the key of its issuer "${cur.issuer.CN ?? cur.issuerString}"`;
      }
      if (cur.subjectNameDer.equals(cur.issuerNameDer) && signatureCheck(cur, cur) !== 'invalid') return `chain ends at ${describe(cur)}, a self-signed certificate that is not a trusted root`;
      return `issuer "${cur.issuer.CN ?? cur.issuerString}" of ${describe(cur)} is not in the chain nor among the trusted roots`;
    }
    seen.add(issuer.fingerprint256);
    path.push(issuer);
  }
}

function checkPath(path: ParsedCertificate[], at: Date): string | null {
  const when = at.toISOString();
  for (const [k, cert] of path.entries()) {
    if (at < cert.notBefore) return `certificate ${describe(cert)} is not yet valid at ${when} (notBefore ${cert.notBefore.toISOString()})`;
    if (at > cert.notAfter) return `certificate ${describe(cert)} has expired at ${when} (notAfter ${cert.notAfter.toISOString()})`;
    if (k === 0) continue;
    const child = path[k - 1];
    if (!cert.isCa) return `${describe(cert)} is not a CA certificate (basicConstraints cA not set) but issued ${describe(child)}`;
    if (cert.keyUsage && !cert.keyUsage.includes('keyCertSign')) return `${describe(cert)} keyUsage does not allow keyCertSign`;
    const intermediatesBelow = path.slice(1, k).filter((c) => !c.subjectNameDer.equals(c.issuerNameDer)).length;
    if (cert.pathLen !== undefined && intermediatesBelow > cert.pathLen) return `${describe(cert)} pathLenConstraint ${cert.pathLen} exceeded`;
    if (!child.x509.checkIssued(cert.x509)) return `${describe(child)} is not issued by ${describe(cert)} (key identifier or name mismatch)`;
  }
  return null;
}

function checkRevocation(path: ParsedCertificate[], crls: ParsedCrl[], at: Date, st: PathState): string | null {
  if (crls.length === 0) return null;
  for (let k = 0; k < path.length - 1; k++) {
    const cert = path[k];
    const issuer = path[k + 1];
    for (const crl of crls) {
      const check = checkCrlSignature(crl, issuer.x509);
      if (check === 'legacy-sm2-empty-id' && !st.acceptLegacySm2) return `the CRL of "${issuer.subject.CN ?? issuer.subjectString}" carries ${LEGACY_HINT}`;
      if (check === 'invalid') continue; // not this issuer's (or forged): cannot revoke
      if (check === 'legacy-sm2-empty-id') st.legacySm2 = true;
      for (const entry of crl.revoked) {
        if (entry.serial !== cert.serial || entry.reason === 'removeFromCRL') continue;
        if (at >= entry.revokedAt) {
          const reason = entry.reason ? `, reason ${entry.reason}` : '';
          return `certificate ${describe(cert)} was revoked at ${entry.revokedAt.toISOString()}${reason} (checked at ${at.toISOString()})`;
        }
      }
    }
  }
  return null;
}
