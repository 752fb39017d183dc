/**
 * The audit operations and schemas of the OpenAPI document (merged by
 * http/openapi.ts; routes in audit/routes.ts).
 */
import { hash32, json, query, ref, type Json, type Op } from '../http/openapi-helpers';
import { LOG_ENTRY_KINDS } from '../log/entries';
import { EVIDENCE_FORMAT } from './bundle';
import { AUDIT_ACCESS_ACTIONS } from './access-log';
import { PHRASE_CODES } from './report';

const time = (description: string): Json => ({ type: 'string', format: 'date-time', description: `${description} (RFC 3339 with offset)` });

export function auditPaths() {
  return {
    '/api/v1/audit/trace': {
      get: {
        tag: 'audit',
        id: 'auditTrace',
        summary: 'Trace a case, a message or a member through the exchange log (追溯); auditors and supervisors',
        description:
          'The log entries concerning a case (`caseId`), a message (`messageId`: the gateway id or the sender\'s own messageId) ' +
          'and/or a member (as sender or receiver), in log order; the filters combine (AND), at least one of the three is required. ' +
          '`entry` is the parsed entry text: its RFC 8785 canonical JSON hashes to `leafHash`; prove it against a signed ' +
          'checkpoint with GET /api/v1/log/proof/inclusion?index=. Only the roles auditor and supervisor may call this.',
        params: [
          query('caseId', '办件编号 (case number)', { type: 'string', minLength: 1, maxLength: 200 }),
          query('messageId', "gateway message id or the sender's messageId", { type: 'string', minLength: 1, maxLength: 200 }),
          query('member', 'member code, as sender or receiver', { type: 'string', minLength: 1, maxLength: 200 }),
          query('type', 'only entries about messages of this type (with one of the three above)', { type: 'string', minLength: 1, maxLength: 200 }),
          query('from', 'entries at or after this time (RFC 3339 with offset)', { type: 'string', format: 'date-time' }),
          query('to', 'entries at or before this time (RFC 3339 with offset)', { type: 'string', format: 'date-time' }),
          query('after', 'the `next` cursor of the previous page', { type: 'string' }),
          query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }),
        ],
        ok: { 200: json('a page of log entries', ref('AuditTracePage')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      },
    },
    '/api/v1/audit/evidence': {
      get: {
        tag: 'audit',
        id: 'auditEvidence',
        summary: 'The evidence bundle (证据包) of a case, verifiable offline; auditors and supervisors',
        description:
          'One self-contained JSON document: every log entry of the case with an RFC 9162 inclusion proof against one signed ' +
          'checkpoint (signed on the spot when the newest does not cover the case), the messages with their signed envelopes, ' +
          'payloads and signed acknowledgements, every certificate needed up to the root, and the revocation times the gateway knows. Check it with ' +
          '`xgw verify bundle <file> --root <root.pem>` (no database, no network). **It contains personal data** (the payloads): ' +
          'every export is logged with who asked for it.',
        params: [query('caseId', '办件编号 (case number)', { type: 'string', minLength: 1, maxLength: 200 }, true)],
        ok: { 200: json('the bundle (sent as an attachment)', ref('EvidenceBundle')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_AUDIT_CASE_NOT_FOUND', 'GW_ERR_AUDIT_LOG_BEHIND'],
      },
    },
    '/api/v1/audit/verify': {
      get: {
        tag: 'audit',
        id: 'auditVerify',
        summary: "The verifier's report on a case's evidence bundle (核验), checked here against this gateway's root; auditors and supervisors",
        description:
          'Builds the evidence bundle of the case as GET /api/v1/audit/evidence does and runs the checks of `xgw verify bundle --root` on it ' +
          "(signed checkpoint, every entry's inclusion proof, messages' digests, signatures and certificate chains, acknowledgements, service calls): " +
          'one line per check and item, each naming its log index or message id. A convenience for the console; the independent check is the ' +
          'offline one on the downloaded bundle with a root certificate obtained separately.',
        params: [query('caseId', '办件编号 (case number)', { type: 'string', minLength: 1, maxLength: 200 }, true)],
        ok: { 200: json("the verifier's report", ref('VerifyReport')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_AUDIT_CASE_NOT_FOUND', 'GW_ERR_AUDIT_LOG_BEHIND'],
      },
    },
    '/api/v1/admin/audit-access': {
      get: {
        tag: 'audit',
        id: 'auditAccess',
        summary: 'Who looked at what, when: every audit trace query, evidence export and verification, newest first; administrators',
        description:
          'One row per request to GET /api/v1/audit/trace, /audit/evidence and /audit/verify, read from the signed log ' +
          '(entries audit.trace_queried, audit.evidence_exported, audit.evidence_verified): its log index, the time, the person (member/login) ' +
          'and role, the action, its parameters (the trace filter or the case number) and how many log entries it returned (null: it failed).',
        params: [
          query('actor', 'only this person (member/login, e.g. hall/auditor)', { type: 'string', minLength: 1, maxLength: 200 }),
          query('after', 'the `next` cursor of the previous page', { type: 'string' }),
          query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
        ],
        ok: { 200: json('a page of audit accesses', ref('AuditAccessPage')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
      },
    },
  } satisfies Record<string, Record<string, Op>>;
}

export function auditSchemas(): Json {
  return {
    AuditAccessPage: {
      type: 'object',
      required: ['items', 'next'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['logIndex', 'at', 'actor', 'role', 'action', 'params', 'results'],
            properties: {
              logIndex: { type: 'integer', minimum: 0, description: 'the index of this record in the signed log (GET /api/v1/log/entries, inclusion proofs)' },
              at: time('when'),
              actor: { type: 'string', description: 'member/login' },
              role: { type: 'string', description: 'the role the person acted in' },
              action: { type: 'string', enum: [...AUDIT_ACCESS_ACTIONS] },
              params: { type: 'object', description: 'the trace filter, or {caseId}; a value that is not an identifier appears only as its digest (`<name>Digest`)' },
              results: { type: ['integer', 'null'], description: 'log entries returned; null when the request failed' },
              error: { type: 'string', description: 'the error code, when the request failed' },
            },
          },
        },
        next: { type: ['string', 'null'], description: 'opaque cursor for `?after=`; null on the last page' },
      },
    },
    VerifyReport: {
      type: 'object',
      description: 'One line per check (✓ ok / ✗ failed), grouped; `ok` when every line passed.',
      required: ['ok', 'caseId', 'anchor', 'checkpoint', 'counts', 'lines', 'failures'],
      properties: {
        ok: { type: 'boolean' },
        caseId: { type: ['string', 'null'] },
        anchor: { type: 'string', enum: ['pinned', 'bundled'] },
        anchorFingerprints: { type: 'array', items: { type: 'string' } },
        crls: { type: 'integer', minimum: 0 },
        checkpoint: { type: ['object', 'null'], properties: { size: { type: 'integer' }, root: { type: 'string' }, at: { type: 'string' } } },
        counts: { type: 'object', properties: { entries: { type: 'integer' }, messages: { type: 'integer' }, certificates: { type: 'integer' } } },
        failures: { type: 'integer', minimum: 0 },
        lines: {
          type: 'array',
          items: {
            type: 'object',
            required: ['group', 'ok', 'subject', 'text', 'said'],
            properties: {
              group: { type: 'string', enum: ['bundle', 'certificates', 'checkpoint', 'witnesses', 'entries', 'messages', 'steps', 'services', 'document', 'signatures', 'seal'] },
              ok: { type: 'boolean' },
              subject: { type: 'string' },
              text: { type: 'string' },
              index: { type: 'integer' },
              messageId: { type: 'string' },
              fingerprint: { type: 'string' },
              said: {
                type: 'array',
                minItems: 1,
                description: "the line's statements as stable codes and their values, for clients that show them in their own language (the console in Chinese, web/src/verify-zh.ts); every line has at least one; `text` is the same in English",
                items: { type: 'object', required: ['code'], properties: { code: { type: 'string', enum: [...PHRASE_CODES] }, params: { type: 'object', additionalProperties: { type: ['string', 'number'] } } } },
              },
              note: { type: 'string', enum: ['legacy-sm2-empty-id'] },
            },
          },
        },
      },
    },
    AuditTraceItem: {
      type: 'object',
      required: ['index', 'kind', 'at', 'entry', 'leafHash'],
      properties: {
        index: { type: 'integer', minimum: 0, description: 'position in the log' },
        kind: { type: 'string', enum: [...LOG_ENTRY_KINDS] },
        at: time('when the step happened'),
        entry: ref('LogEntryContent'),
        leafHash: hash32('H(0x00 ‖ canonical JSON of `entry`)'),
      },
    },
    AuditTracePage: {
      type: 'object',
      description: 'Log entries in log order; `next` is the cursor for `?after=`.',
      required: ['items', 'next'],
      properties: {
        items: { type: 'array', items: ref('AuditTraceItem') },
        next: { type: ['string', 'null'], description: 'opaque cursor for `?after=`; null on the last page' },
      },
    },
    EvidenceBundle: {
      type: 'object',
      description: 'An evidence bundle: see `readme` inside it, and `xgw verify bundle`.',
      required: ['format', 'readme', 'createdAt', 'caseId', 'log', 'entries', 'messages', 'certificates', 'trustAnchors'],
      properties: {
        format: { type: 'string', const: EVIDENCE_FORMAT, description: 'the bundle format version (the verifier also reads xgw-evidence/1)' },
        readme: { type: 'array', items: { type: 'string' }, description: 'what the bundle is, that it holds personal data, and how to verify it' },
        verification: {
          type: 'object',
          description: 'the verification steps in Chinese and English: which bytes each signature and each leaf covers',
          properties: { zh: { type: 'array', items: { type: 'string' } }, en: { type: 'array', items: { type: 'string' } } },
        },
        createdAt: time('when the bundle was made'),
        caseId: { type: 'string' },
        log: {
          type: 'object',
          required: ['name', 'hashAlg', 'checkpoint'],
          properties: {
            name: { type: 'string' },
            hashAlg: ref('LogHashAlg'),
            checkpoint: { type: 'object', required: ['body', 'signature'] },
            origin: { type: 'string', description: "the log's origin line in its C2SP checkpoints" },
            noteKey: { type: 'string', description: "the log's Ed25519 note verifier key (c2sp.org/signed-note vkey)" },
            checkpointNote: { type: 'string', description: 'the same checkpoint as a C2SP tlog-checkpoint signed note, with the witnesses\' tlog-cosignature/v1 lines' },
          },
        },
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['index', 'entry', 'leafHash', 'inclusionProof'],
            properties: {
              index: { type: 'integer', minimum: 0 },
              entry: { type: 'string', description: 'the exact canonical JSON text that was hashed' },
              leafHash: hash32('H(0x00 ‖ entry)'),
              inclusionProof: { type: 'array', items: hash32('node hash'), description: 'RFC 9162 path to the checkpoint root' },
            },
          },
        },
        messages: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'envelope', 'payload'],
            properties: {
              id: { type: 'string', format: 'uuid' },
              envelope: { type: 'object', required: ['header', 'signatures'] },
              payload: { type: 'object', description: 'PERSONAL DATA: the message content' },
              payloadCanonical: { type: 'string', description: 'RFC 8785 text of payload (what the digest is over)' },
              receipt: { type: 'object', description: "the gateway's signed 202 receipt {id, messageId, status, digest, receivedAt, log: {index, leafHash}, signature}" },
              signedTexts: {
                type: 'object',
                description: 'the exact texts the signatures and log digests cover: header (sender), countersigned (gateway), envelope (sha256 in the log), receipt (the gateway\'s 202 receipt), ackBody (receiver), ack (sha256 in the log)',
                additionalProperties: { type: 'string' },
              },
              ackReceipt: { type: 'object', description: "the receiver's signed acknowledgement" },
            },
          },
        },
        certificates: { type: 'object', additionalProperties: { type: 'string' }, description: 'PEM by SHA-256 fingerprint of the DER' },
        trustAnchors: { type: 'array', items: { type: 'string' }, description: 'root certificates (PEM); pin one independently' },
        revocations: {
          type: 'object',
          additionalProperties: { type: 'string', format: 'date-time' },
          description: "revocation times the gateway's registry holds for bundled certificates (unsigned; check CRLs with `--crl`)",
        },
      },
    },
  };
}
