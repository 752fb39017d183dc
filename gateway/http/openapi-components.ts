/**
 * The schema components shared by every part of the OpenAPI document (see openapi.ts):
 * problems, digests, batch signatures, health, and the message-type schemas. Each
 * feature's openapi.ts adds its own. Enumerations are derived from the code's own types
 * and tables (error catalogue, digest algorithms) so the document cannot drift from
 * what the gateway answers.
 */
import { catalogue, MAX_FIELD_ERRORS, type ErrorCode } from '../errors';
import type { DigestAlg } from '../crypto/digest';
import type { SchemaRegistry } from '../schemas/registry';
import { SIGNING_ALGS } from '../crypto/sign';
import { count, hash32, keysOf, ref, str, type Json } from './openapi-helpers';

const DIGEST_ALGS = keysOf<DigestAlg>({ sha256: true, sm3: true });

/** Every catalogue code, in catalogue order: the Problem `code` enum. */
export const ERROR_CODES = Object.keys(catalogue) as ErrorCode[];


/** A message-type schema as a component: the registry's schema minus `$schema`/`$id` (an OAS 3.1 document is one 2020-12 resource). */
export function messageTypeComponent(schemas: SchemaRegistry, type: string): Json {
  const { $schema: _s, $id: _i, ...content } = schemas.schemaOf(type) as Json;
  return structuredClone(content);
}

/** `payload`: exactly one of the registered message-type schemas. */
export const payloadSchema = (types: string[], description: string): Json => ({
  type: 'object',
  description,
  oneOf: types.map(ref),
});

function problemDescription(): string {
  const rows = ERROR_CODES.map((c) => `| \`${c}\` | ${catalogue[c].status} | ${catalogue[c].title} |`);
  return [
    'RFC 9457 problem details (`application/problem+json`); `code` identifies the error, one per row:',
    '',
    '| code | status | title |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

export function componentSchemas(schemas: SchemaRegistry): Json {
  const typeSchemas: Json = {};
  for (const t of schemas.types()) typeSchemas[t] = messageTypeComponent(schemas, t);

  return {
    ...typeSchemas,
    Problem: {
      type: 'object',
      description: problemDescription(),
      required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
      properties: {
        type: str('URI reference of the error type: /errors/<code>, a page of this gateway explaining the code', { format: 'uri-reference' }),
        title: str('short summary of the error type (fixed per code)'),
        status: { type: 'integer', minimum: 400, maximum: 599, description: 'the HTTP status' },
        detail: str('what went wrong with this request'),
        code: { type: 'string', enum: ERROR_CODES, description: 'catalogue code GW_ERR_<AREA>_<WHAT>' },
        requestId: str('the X-Request-Id of this request (quote it when reporting a problem)'),
        errors: { type: 'array', maxItems: MAX_FIELD_ERRORS, description: `validation errors, one per field (the first ${MAX_FIELD_ERRORS})`, items: ref('FieldError') },
        errorCount: { type: 'integer', minimum: 1, description: `how many validation errors were found (with \`errors\`; more than listed when over ${MAX_FIELD_ERRORS})` },
      },
    },
    FieldError: {
      type: 'object',
      required: ['pointer', 'message'],
      properties: { pointer: str('JSON pointer (RFC 6901) into the request body or query'), message: str('what is wrong there') },
    },
    Digest: {
      type: 'object',
      required: ['alg', 'value'],
      properties: { alg: { type: 'string', enum: DIGEST_ALGS }, value: str('lowercase hex', { pattern: '^[0-9a-f]+$' }) },
    },
    BatchSignature: {
      type: 'object',
      description:
        'One signature over many texts (one group commit): `value` signs the canonical JSON `manifest` {v, signer, hashAlg, size, root, at}; ' +
        'the signed text is leaf `index` of an RFC 9162 tree of `size` leaves with root `root`, proven by `proof`. ' +
        'Check: leaf = H(0x00 ‖ text); verify the inclusion proof to the manifest root; verify `value` over `manifest` with the certificate (openssl dgst -verify; SM2-SM3 with -sigopt distid:1234567812345678).',
      required: ['signer', 'alg', 'certificate', 'manifest', 'value', 'index', 'proof'],
      additionalProperties: false,
      properties: {
        signer: { type: 'string', description: "member code, or 'gateway'" },
        alg: { type: 'string', enum: [...SIGNING_ALGS] },
        certificate: hash32('SHA-256 fingerprint of the signing certificate (DER)'),
        manifest: { type: 'string', description: 'canonical JSON of the signed manifest' },
        value: { type: 'string', contentEncoding: 'base64' },
        index: count('position of the signed text in the batch'),
        proof: { type: 'array', items: hash32('proof node') },
      },
    },
    Health: { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'ok' } } },
    Ready: {
      type: 'object',
      required: ['status', 'database'],
      properties: {
        status: { type: 'string', const: 'ready' },
        database: str('store kind'),
        warnings: { type: 'array', items: { type: 'string' }, description: 'Ready, but: the working-day calendar does not cover the current or next year (case deadlines there fail); a signing certificate expires within 30 days or has expired (each with the command that renews it)' },
      },
    },
  };
}
