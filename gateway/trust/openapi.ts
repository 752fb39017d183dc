/**
 * Certificate administration (admin role) in the OpenAPI document (merged by
 * http/openapi.ts; routes in trust/routes.ts; the domain is trust/admin-certificates.ts).
 * Rotation and revocation are `registry.changed` entries of the signed log and take
 * effect at once in every gateway process (registry/live.ts).
 */
import { KEY_ALGS } from '../crypto/keys';
import { json, keysOf, nullable, page, pathParam, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import type { CertificateRole } from './certificates';
import { certificateLifecycle } from './lifecycle';

const ROLES = keysOf<CertificateRole>({ root: true, intermediate: true, log: true, department: true });
const CODE = '^[a-z][a-z0-9-]{1,31}$';
const FINGERPRINT = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the certificate DER, lowercase hex' };
const changed = { 'X-Registry-Version': { description: 'the registry version this gateway reflects after the change', schema: { type: 'integer' } } };
const memberParam = pathParam('code', 'member code', { type: 'string' }, 'housing');
const op = (o: Omit<Op, 'tag'>): Op => ({ tag: 'admin', ...o });

/** POST /admin/members/{code}/certificates/revoke (the route validates with it). */
export const certificateRevokeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { fingerprint: { ...FINGERPRINT, description: 'the certificate to revoke (default: every active certificate of the member)' } },
} satisfies Json;

/** POST /admin/certificates/{fingerprint}/revoke (the route validates with it). */
export const certificateRevokeAtSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { revokedAt: time('revoked from (default now; not later than now): signatures made before still verify') },
} satisfies Json;

/** POST /admin/certificates/crl (the route validates with it). */
export const certificateCrlSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['crl'],
  properties: { crl: str('the CRL, PEM (-----BEGIN X509 CRL-----)', { minLength: 1, maxLength: 1_000_000 }) },
} satisfies Json;

const revokedAnswer = { type: 'object', required: ['revoked'], properties: { revoked: { type: 'array', items: ref('Certificate') } } };

export function certificatePaths() {
  return {
    '/api/v1/admin/certificates': {
      get: op({
        id: 'adminListCertificates',
        summary: 'Certificates the registry knows (every one that ever signed): status, validity, days to expiry; admin role',
        params: [
          query('member', 'only this member', { type: 'string', pattern: CODE }),
          query('role', 'only this role', { type: 'string', enum: ROLES }),
          query('status', 'only this status', { type: 'string', enum: [...certificateLifecycle.statuses] }),
          query('after', 'the `next` cursor of the previous page', { type: 'string', maxLength: 400 }),
          query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
        ],
        ok: { 200: json('a page of certificates', ref('CertificatePage')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      }),
    },
    '/api/v1/admin/members/{code}/certificates/rotate': {
      post: op({
        id: 'adminRotateCertificate',
        summary: "Issue a new signing key and certificate for a member and sign with it from now on (xgw certs rotate); admin role",
        description:
          'The key is made in the PKI directory and the certificate issued by the gateway root. Every gateway process signs on the member\'s behalf with the new key once this answers (here) or on the change notification (the others). The previous certificate is superseded: it keeps verifying what it signed (old evidence bundles still verify). Refused for a certificate issued by another CA (import its successor).',
        params: [memberParam],
        ok: { 201: json('the new certificate', ref('Certificate'), changed) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_TRUST_CERTIFICATE_STATUS'],
      }),
    },
    '/api/v1/admin/members/{code}/certificates/revoke': {
      post: op({
        id: 'adminRevokeCertificate',
        summary: "Revoke a member's certificate: nothing is signed with it from now on (xgw certs revoke); admin role",
        description:
          'Signatures made before the revocation still verify as of their time. Until a rotation issues a new certificate, on-behalf signing for the member is refused with GW_ERR_TRUST_CERTIFICATE_INVALID (it may still sign its envelopes itself with another registered certificate).',
        params: [memberParam],
        body: { schema: ref('CertificateRevoke'), required: false },
        ok: { 200: json('the certificates revoked', revokedAnswer, changed) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_TRUST_NOT_FOUND', 'GW_ERR_TRUST_CERTIFICATE_STATUS'],
      }),
    },
    '/api/v1/admin/certificates/{fingerprint}/revoke': {
      post: op({
        id: 'adminRevokeCertificateByFingerprint',
        summary: 'Revoke one certificate the registry knows, from now or an earlier time (xgw certs revoke <fingerprint>); admin role',
        description:
          'Nothing is signed with it from its revocation time on; signatures made before still verify as of their time. Every gateway process stops signing with it once this answers (here) or on the change notification (the others). A `registry.changed` entry of the signed log.',
        params: [pathParam('fingerprint', 'the certificate fingerprint', FINGERPRINT, 'ab'.repeat(32))],
        body: { schema: ref('CertificateRevokeAt'), required: false },
        ok: { 200: json('the certificate, revoked', ref('Certificate'), changed) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_TRUST_NOT_FOUND', 'GW_ERR_TRUST_CERTIFICATE_STATUS'],
      }),
    },
    '/api/v1/admin/certificates/crl': {
      post: op({
        id: 'adminApplyCrl',
        summary: 'Honour a certificate revocation list from a trusted CA (xgw certs crl); admin role',
        description:
          'The CRL must be signed by one of the trusted roots. Each listed certificate the registry knows is revoked from the revocation time the CRL gives (a `registry.changed` entry each); applying the same CRL again revokes nothing.',
        body: { schema: ref('CertificateCrl') },
        ok: { 200: json('the certificates newly revoked', revokedAnswer, changed) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_TRUST_CRL_INVALID'],
      }),
    },
    '/api/v1/admin/certificates/log/renew': {
      post: op({
        id: 'adminRenewLogCertificate',
        summary: "Issue a new log-signing key and certificate under the root and sign with it from now on (xgw certs renew-log); admin role",
        description:
          'Checkpoints, receipts, the gateway\'s batch signatures and webhook signatures (RFC 9421) are made with the new key (algorithm trust.logKeyAlg) in every gateway process once this answers (here) or on the change notification (the others). The previous log certificate is superseded: GET /log/keys lists it as previous, and what it signed (earlier checkpoints, webhooks, evidence bundles) still verifies. `registry.changed` entries of the signed log.',
        ok: { 201: json('the new log certificate', ref('Certificate'), changed) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_TRUST_CANNOT_ISSUE'],
      }),
    },
    '/api/v1/admin/certificates/root/renew': {
      post: op({
        id: 'adminRenewRootCertificate',
        summary: 'Issue a new root CA, a cross certificate from the previous root, and a new log key under the new root (xgw certs renew-root); admin role',
        description:
          'The previous root stays a trust anchor: evidence bundles carry both roots and the cross certificate (the new root\'s key certified by the previous root), so a verifier that pinned the previous root verifies what is signed under the new one. Department certificates the previous root issued keep working until rotated (xgw certs rotate --member X issues under the new root). `registry.changed` entries of the signed log; every gateway process switches at once.',
        ok: { 201: json('the new root, the cross certificate and the new log certificate', ref('RootRenewal'), changed) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_TRUST_CANNOT_ISSUE'],
      }),
    },
  } satisfies Record<string, Record<string, Op>>;
}

export function certificateSchemas(): Json {
  const certificate = {
    type: 'object',
    required: ['fingerprint', 'member', 'role', 'serial', 'algorithm', 'subject', 'notBefore', 'notAfter', 'status', 'revokedAt', 'supersededAt', 'daysToExpiry'],
    properties: {
      fingerprint: FINGERPRINT,
      member: nullable(str('member code (null for the root and log certificates)')),
      role: { type: 'string', enum: ROLES },
      serial: str('serial number, lowercase hex'),
      algorithm: { type: ['string', 'null'], enum: [...KEY_ALGS, null], description: 'key algorithm' },
      subject: str('subject CN'),
      notBefore: time('valid from'),
      notAfter: time('valid until'),
      status: { type: 'string', enum: [...certificateLifecycle.statuses], description: 'active: signs; superseded: a rotation or renewal replaced it, verifies what it signed (a superseded root stays a trust anchor); revoked: verifies only what it signed before revokedAt' },
      revokedAt: nullable(time('revoked')),
      supersededAt: nullable(time('superseded by a rotation')),
      daysToExpiry: { type: 'integer', description: 'whole days until notAfter (negative once expired)' },
    },
  };
  const rootRenewal = {
    type: 'object',
    required: ['root', 'cross', 'log'],
    properties: { root: ref('Certificate'), cross: ref('Certificate'), log: ref('Certificate') },
  };
  return { Certificate: certificate, RootRenewal: rootRenewal, CertificatePage: page(ref('Certificate'), 'certificates'), CertificateRevoke: certificateRevokeSchema, CertificateRevokeAt: certificateRevokeAtSchema, CertificateCrl: certificateCrlSchema };
}
