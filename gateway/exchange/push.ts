import { X509Certificate } from 'node:crypto';
import { formatTime } from '../clock';
import type { Agreement } from '../registry/agreements';
import { GatewayError } from '../errors';
import { assertStorable } from '../schemas/storable';
import { assertContract } from '../schemas/contract';
import { incompleteNote } from '../schemas/bounded';
import { digestHex, type DigestAlg } from '../crypto/digest';
import type { Adapter, Conversion } from '../../adapters/types';
import { provenance } from '../../adapters/mapping/provenance';
import type { Trust } from '../trust/trust';
import { canonicalJson } from '../crypto/canonical';
import { newId } from '../ids';
import { OFFICIAL_DOCUMENT_TYPE } from '../documents/model';
import { refuseClassifiedPayload } from '../documents/classification';
import type { Clock } from '../clock';
import type { Principal } from '../registry/principal';
import type { SchemaRegistry } from '../schemas/registry';
import type { Member } from '../registry/members';
import type { PreparedMessage } from './types';
import { buildHeader, payloadDigestAlgFor, verifyEnvelopeSignature, type EnvelopeHeader, type PlainEnvelopeSignature } from '../crypto/envelope';
import { digestAlgFor, SIGNING_ALGS, type SigAlg } from '../crypto/sign';

/** The push request envelope (the payload itself is checked against its type's schema). */
export const pushRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['to', 'type', 'messageId', 'purpose', 'payload'],
  properties: {
    to: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$', description: 'receiver member code' },
    type: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$', description: 'message type, e.g. case-record' },
    messageId: { type: 'string', pattern: '^[A-Za-z0-9._:@/-]{1,128}$', description: "sender's idempotency key" },
    caseId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]+$', description: '办件编号 this message belongs to' },
    purpose: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f]+$', description: '用途: must be allowed by the agreement' },
    payload: { type: 'object', description: 'validated against schemas/<type>.schema.json' },
    signature: {
      type: 'object',
      description: "the sending department's own signature over the envelope header's canonical JSON; without it the gateway signs on the department's behalf",
      additionalProperties: false,
      required: ['alg', 'certificate', 'signedAt', 'value'],
      properties: {
        alg: { enum: [...SIGNING_ALGS], description: 'SM2-SM3: SM2 with SM3 and the GM/T 0009 default distinguishing ID 1234567812345678 (GB/T 32918.2)' },
        certificate: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 fingerprint of the registered signing certificate' },
        signedAt: {
          type: 'string',
          pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
          description: "RFC 3339 signing time; becomes the header's `time` exactly as written, and must be within trust.maxClockSkewSeconds of the gateway's clock",
        },
        value: { type: 'string', pattern: '^[A-Za-z0-9+/]{16,2048}={0,2}$', description: 'base64 signature' },
      },
    },
  },
} as const;


export interface PushRequest {
  to: string;
  type: string;
  messageId: string;
  caseId?: string;
  purpose: string;
  payload: Record<string, unknown>;
  signature?: SenderSignatureRequest;
}

export interface SenderSignatureRequest {
  alg: SigAlg;
  certificate: string;
  signedAt: string;
  value: string;
}

export interface PushDeps {
  clock: Clock;
  schemas: SchemaRegistry;
  agreements: { check(sender: string, receiver: string, type: string, purpose: string): void };
  members: (code: string) => Member | undefined;
  trust: Trust;
  /** trust.maxClockSkewSeconds in ms: how far signature.signedAt may be from the clock. */
  maxClockSkewMs: number;
  /** The receiver adapter's conversion of a valid payload (null: JSON as is); throws GW_ERR_ADAPTER_UNMAPPED_VALUE. */
  convert(receiver: string, type: string, payload: Record<string, unknown>, canonicalPayload: string, alg: DigestAlg): Conversion | null;
}

/** An escaped U+0000 or surrogate in JSON text (preceded by an even number of backslashes, so not a literal "\\u0000"). */
const SUSPECT_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|[dD][89a-fA-F])/;

/** Converts a payload for a receiver whose adapter speaks another format, with the conversion's provenance. */
export function convertFor(adapter: Adapter | undefined, type: string, payload: Record<string, unknown>, canonicalPayload: string, alg: DigestAlg): Conversion | null {
  const native = adapter?.toReceiver(type, payload);
  if (!adapter || !native) return null;
  return { native, provenance: provenance({ adapter: adapter.name, adapterVersion: adapter.version, mappingVersion: adapter.mappingVersion }, canonicalPayload, native, alg) };
}

/**
 * Checks a push in the order a caller can fix things: envelope → receiver →
 * type → agreement → payload schema. Throws the catalogue error; stores nothing.
 */
export function preparePush(deps: PushDeps, principal: Principal, body: unknown): PreparedMessage {
  assertContract(pushRequestSchema, body, { detail: 'the push request envelope is not valid' });
  const req = body as PushRequest;
  const receiver = deps.members(req.to);
  if (!receiver) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${req.to}"`);
  if (!deps.schemas.has(req.type)) {
    throw new GatewayError('GW_ERR_SCHEMA_UNKNOWN_TYPE', `"${req.type}" is not a message type; known: ${deps.schemas.types().join(', ')}`);
  }
  if (req.type === OFFICIAL_DOCUMENT_TYPE) refuseClassifiedPayload(req.payload); // never carried, whatever the agreements say
  deps.agreements.check(principal.member, req.to, req.type, req.purpose);
  const v = deps.schemas.validate(req.type, req.payload);
  if (!v.ok) {
    throw new GatewayError('GW_ERR_SCHEMA_INVALID', `payload is not a valid ${req.type}${incompleteNote(v.complete)}`, {
      errors: v.errors.map((e) => ({ pointer: `/payload${e.pointer}`, message: e.message })),
    });
  }
  const caseId = req.caseId ?? null;
  const canonicalPayload = canonicalJson(req.payload);
  const reqText = requestText(req, caseId, canonicalPayload);
  // Pushes that do not come through the JSON API (inbound SOAP) get the API's check too, before they could fail a
  // whole group commit; on the hot path only a scan of text made anyway (every such character is escaped in it).
  if (SUSPECT_ESCAPE.test(reqText)) assertStorable(req, '', 'the push');
  const receivedAt = deps.clock.now();
  const fields = { messageId: req.messageId, sender: principal.member, receiver: req.to, type: req.type, caseId, purpose: req.purpose };
  let header: EnvelopeHeader;
  let senderSignature: PlainEnvelopeSignature | undefined;
  if (req.signature) {
    checkSignedAt(req.signature.signedAt, receivedAt, deps.maxClockSkewMs);
    header = buildHeader({ ...fields, time: req.signature.signedAt }, canonicalPayload, digestAlgFor(req.signature.alg));
    senderSignature = checkSenderSignature(deps, principal.member, header, req.signature);
  } else {
    const { signer } = deps.trust.onBehalfSigner(principal.member, receivedAt);
    header = buildHeader({ ...fields, time: formatTime(receivedAt) }, canonicalPayload, payloadDigestAlgFor(signer));
  }
  const digest = header.payloadDigest;
  const conversion = deps.convert(req.to, req.type, req.payload, canonicalPayload, digest.alg);
  const id = newId();
  return {
    id,
    sender: principal.member,
    senderSystem: principal.kind === 'system' ? principal.system : principal.login,
    receiver: req.to,
    type: req.type,
    messageId: req.messageId,
    caseId,
    purpose: req.purpose,
    payload: req.payload,
    payloadText: canonicalPayload,
    digestAlg: digest.alg,
    digest: digest.value,
    requestDigest: digestHex('sha256', reqText),
    receivedAt,
    deliveryMode: receiver.deliveryMode,
    header,
    senderSignature,
    conversion,
  };
}

/** A department's own signing time must be a real time near the gateway's clock (so the signed `time` cannot be back- or forward-dated). */
function checkSignedAt(signedAt: string, now: Date, maxSkewMs: number): void {
  const t = new Date(signedAt).getTime();
  const off = Number.isNaN(t) ? NaN : Math.abs(t - now.getTime());
  if (Number.isNaN(off) || off > maxSkewMs) {
    const why = Number.isNaN(off) ? 'is not a valid time' : `is ${Math.round(off / 1000)} s from the gateway's clock (${formatTime(now)}); at most ${maxSkewMs / 1000} s is allowed`;
    throw new GatewayError('GW_ERR_REQUEST_INVALID', `signature.signedAt ${why}`, { errors: [{ pointer: '/signature/signedAt', message: why }] });
  }
}

/**
 * A department that signs its own envelope: the certificate must be registered
 * for that department, valid now and not revoked, and the signature must verify
 * over the header the gateway builds from the request (so the client signs
 * exactly what it sent).
 */
function checkSenderSignature(
  deps: PushDeps,
  sender: string,
  header: EnvelopeHeader,
  sig: SenderSignatureRequest,
): PlainEnvelopeSignature {
  const cert = deps.trust.certificate(sig.certificate);
  const now = deps.clock.now();
  if (!cert || cert.role !== 'department' || cert.member !== sender) {
    throw new GatewayError('GW_ERR_TRUST_CERTIFICATE_INVALID', `certificate ${sig.certificate} is not a registered signing certificate of ${sender}`);
  }
  if (cert.revokedAt && cert.revokedAt.getTime() <= now.getTime()) {
    throw new GatewayError('GW_ERR_TRUST_CERTIFICATE_INVALID', `certificate ${sig.certificate} was revoked at ${formatTime(cert.revokedAt)}`);
  }
  const x = new X509Certificate(cert.pem);
  if (now < new Date(x.validFrom) || now > new Date(x.validTo)) {
    throw new GatewayError('GW_ERR_TRUST_CERTIFICATE_INVALID', `certificate ${sig.certificate} is not valid now (${x.validFrom} – ${x.validTo})`);
  }
  const signature: PlainEnvelopeSignature = { role: 'sender', onBehalf: false, signer: sender, alg: sig.alg, certificate: sig.certificate, value: sig.value };
  if (!verifyEnvelopeSignature(signature, canonicalJson(header), cert.pem)) {
    throw new GatewayError('GW_ERR_TRUST_BAD_SIGNATURE', 'the signature does not verify over the canonical JSON of the envelope header', {
      errors: [{ pointer: '/signature/value', message: `expected ${sig.alg} over ${canonicalJson(header).length} bytes of header text` }],
    });
  }
  return signature;
}

/**
 * canonicalJson({caseId, payload, purpose, to, type}) — keys already in RFC 8785
 * order — reusing the payload's canonical text instead of canonicalising it twice.
 */
export function requestText(req: Pick<PushRequest, 'to' | 'type' | 'purpose'>, caseId: string | null, canonicalPayload: string): string {
  return `{"caseId":${JSON.stringify(caseId)},"payload":${canonicalPayload},"purpose":${JSON.stringify(req.purpose)},"to":${JSON.stringify(req.to)},"type":${JSON.stringify(req.type)}}`;
}

export type { Agreement };
