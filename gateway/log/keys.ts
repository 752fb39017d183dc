import { createHash, X509Certificate } from 'node:crypto';
import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { spkiDer } from '../crypto/keys';
import { httpSigAlgOf } from '../crypto/http-signature';
import { parseCertificate } from '../../certs/ca';

/**
 * One log signing key the gateway has used: the current one, or a previous one (replaced
 * by a renewal or a new PKI) that still verifies what it signed: checkpoints name it by
 * `fingerprint`, webhook signatures (RFC 9421) by `keyId`.
 */
export interface LogKeyVersion {
  status: 'current' | 'previous' | 'revoked';
  fingerprint: string;
  keyId: string;
  httpSignatureAlg: ReturnType<typeof httpSigAlgOf>;
  certificate: string;
  publicKey: string;
  notBefore: string;
  notAfter: string;
  revokedAt: string | null;
}

/** Every log certificate the registry knows (each that ever signed), the current one first, then newest first. */
export async function logKeyVersions(db: Db, currentFingerprint: string): Promise<LogKeyVersion[]> {
  const r = await db.query<{ fingerprint: string; pem: string; revoked_at: Date | null; not_before: Date }>(
    `SELECT fingerprint, pem, revoked_at, not_before FROM certificates WHERE role = 'log' ORDER BY (fingerprint = $1) DESC, not_before DESC, fingerprint`,
    [currentFingerprint],
  );
  return r.rows.map((x) => {
    const cert = new X509Certificate(x.pem);
    const parsed = parseCertificate(x.pem);
    const current = x.fingerprint === currentFingerprint;
    return {
      status: x.revoked_at ? 'revoked' : current ? 'current' : 'previous',
      fingerprint: x.fingerprint,
      keyId: createHash('sha256').update(spkiDer(cert.publicKey)).digest('hex'),
      httpSignatureAlg: parsed.keyAlg ? httpSigAlgOf(parsed.keyAlg) : null,
      certificate: x.pem,
      publicKey: cert.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      notBefore: formatTime(parsed.notBefore),
      notAfter: formatTime(parsed.notAfter),
      revokedAt: x.revoked_at ? formatTime(x.revoked_at) : null,
    };
  });
}
