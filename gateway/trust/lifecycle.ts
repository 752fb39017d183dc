import { Lifecycle } from '../lifecycle';

/**
 * A certificate's lifecycle (gateway/lifecycle.ts table):
 *
 *   issued → active ──superseded (a rotation issued its successor)──▶ superseded
 *              │                                                        │
 *              └──────────────revoked (no signature from then on)───────┴──▶ revoked
 *
 * An active department certificate is the one the gateway signs with on the
 * department's behalf; a superseded one only verifies what it signed before; a revoked
 * one verifies only signatures made before its revocation time.
 */
export type CertificateStatus = 'active' | 'superseded' | 'revoked';
export type CertificateEvent = 'issued' | 'superseded' | 'revoked';

export const certificateLifecycle = new Lifecycle<CertificateStatus, CertificateEvent>({
  subject: 'certificate',
  statuses: { active: true, superseded: true, revoked: true },
  creation: 'issued',
  transitions: {
    issued: { from: [], to: 'active' },
    superseded: { from: ['active'], to: 'superseded' },
    revoked: { from: ['active', 'superseded'], to: 'revoked' },
  },
  final: { statuses: ['revoked'], refusal: 'GW_ERR_TRUST_CERTIFICATE_STATUS' },
  refusal: 'GW_ERR_TRUST_CERTIFICATE_STATUS',
});

/** A certificate's status at `now` from its row's times (a revocation dated later is not in force yet). */
export function certificateStatus(c: { revokedAt: Date | null; supersededAt: Date | null }, now: Date): CertificateStatus {
  if (c.revokedAt && c.revokedAt.getTime() <= now.getTime()) return 'revoked';
  return c.supersededAt ? 'superseded' : 'active';
}
