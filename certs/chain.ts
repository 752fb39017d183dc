import { parseCertificate, ParsedCertificate } from './certificate';
import { parseCrl, ParsedCrl, verifyCrlSignature } from './crl';

/**
 * Certificate path validation for signatures, at a given time.
 *
 * `at` is the time the signature was made (or now for a live check). Every
 * certificate on the path must be valid at `at`; issuers must be CAs
 * (basicConstraints cA, keyCertSign, pathLen); each signature is checked with
 * Node's X509Certificate#verify and #checkIssued (names, key identifiers).
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
  const built = buildPath((leaf as ParsedCertificate[])[0], chain as ParsedCertificate[], roots as ParsedCertificate[]);
  if (typeof built === 'string') return fail(built);
  const problem = checkPath(built, at) ?? checkRevocation(built, crls, at);
  return problem ? fail(problem) : { ok: true, path: built };
}

/** Leaf → trusted anchor by exact issuer/subject name and verifying signature; trusted roots preferred. */
function buildPath(leaf: ParsedCertificate, chain: ParsedCertificate[], roots: ParsedCertificate[]): ParsedCertificate[] | string {
  const trusted = new Set(roots.map((r) => r.fingerprint256));
  const path = [leaf];
  const seen = new Set([leaf.fingerprint256]);
  for (;;) {
    const cur = path[path.length - 1];
    if (trusted.has(cur.fingerprint256)) return path;
    if (path.length > MAX_DEPTH) return `certificate chain is longer than ${MAX_DEPTH}`;
    const named = [...roots, ...chain].filter((c) => c.subjectNameDer.equals(cur.issuerNameDer) && !seen.has(c.fingerprint256));
    const issuer = named.find((c) => safeVerify(cur, c));
    if (!issuer) {
      if (named.length > 0) {
        const sm2Hint = named.some((c) => c.keyAlg === 'sm2')
          ? ' (if the issuer signed SM2 with the GM/T 0009 default ID 1234567812345678: Node/OpenSSL 3 verify SM2 with the empty ID only)'
          : '';
        return `the signature of ${describe(cur)} does not verify with the key of its issuer "${cur.issuer.CN ?? cur.issuerString}"${sm2Hint}`;
      }
      if (cur.subjectNameDer.equals(cur.issuerNameDer) && safeVerify(cur, cur)) return `chain ends at ${describe(cur)}, a self-signed certificate that is not a trusted root`;
      return `issuer "${cur.issuer.CN ?? cur.issuerString}" of ${describe(cur)} is not in the chain nor among the trusted roots`;
    }
    seen.add(issuer.fingerprint256);
    path.push(issuer);
  }
}

function safeVerify(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
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

function checkRevocation(path: ParsedCertificate[], crls: ParsedCrl[], at: Date): string | null {
  if (crls.length === 0) return null;
  for (let k = 0; k < path.length - 1; k++) {
    const cert = path[k];
    const issuer = path[k + 1];
    for (const crl of crls) {
      if (!verifyCrlSignature(crl, issuer.x509)) continue; // not this issuer's (or forged): cannot revoke
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
