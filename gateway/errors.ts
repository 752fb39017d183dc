import type { ErrorObject } from 'ajv';
/**
 * The error catalogue: every error the gateway can answer with, by code.
 * Codes are GW_ERR_<AREA>_<WHAT>; each maps to one HTTP status and one title.
 * Handlers throw `GatewayError`; one handler (http/problem.ts) renders
 * application/problem+json (RFC 9457).
 */
export const catalogue = {
  GW_ERR_HTTP_NOT_FOUND: { status: 404, title: 'No such endpoint' },
  GW_ERR_HTTP_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this endpoint' },
  GW_ERR_HTTP_MALFORMED_JSON: { status: 400, title: 'Request body is not valid JSON' },
  GW_ERR_HTTP_BODY_TOO_LARGE: { status: 413, title: 'Request body exceeds the size limit' },
  GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  GW_ERR_HTTP_BAD_CONTENT_ENCODING: { status: 400, title: 'Request body does not decode with its Content-Encoding' },
  GW_ERR_REQUEST_INVALID: { status: 400, title: 'Request does not match the API contract' },
  GW_ERR_REQUEST_UNSTORABLE: { status: 422, title: 'Request holds a value that cannot be stored (U+0000, a lone UTF-16 surrogate, or too deep nesting)' },
  GW_ERR_LIST_BAD_CURSOR: { status: 400, title: 'Pagination cursor is not valid' },

  GW_ERR_AUTH_MISSING_TOKEN: { status: 401, title: 'Authentication required' },
  GW_ERR_AUTH_INVALID_TOKEN: { status: 401, title: 'Token is unknown, revoked or expired' },
  GW_ERR_AUTH_BAD_CREDENTIALS: { status: 401, title: 'Login or password is wrong' },
  GW_ERR_AUTH_RATE_LIMITED: { status: 429, title: 'Too many failed logins; try again later' },
  GW_ERR_AUTH_FORBIDDEN: { status: 403, title: 'Your role does not allow this action' },
  GW_ERR_AUTH_CSRF: { status: 403, title: 'A state-changing request authenticated by the session cookie lacks its X-CSRF-Token' },
  GW_ERR_AUTH_TOKEN_IN_QUERY: { status: 400, title: 'Credentials are accepted in the Authorization header only, never in the URL' },
  GW_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests; retry later' },

  GW_ERR_REGISTRY_UNKNOWN_MEMBER: { status: 404, title: 'No such member on the gateway' },
  GW_ERR_REGISTRY_INVALID: { status: 400, title: 'Registry data is not valid' },
  GW_ERR_REGISTRY_NOT_FOUND: { status: 404, title: 'No such registry entry (system, token, agreement, webhook or user)' },
  GW_ERR_REGISTRY_CONFLICT: { status: 409, title: 'A registry entry with this key already exists' },

  GW_ERR_SCHEMA_UNKNOWN_TYPE: { status: 422, title: 'Unknown message type' },
  GW_ERR_SCHEMA_INVALID: { status: 422, title: 'Payload does not match the message type schema' },

  GW_ERR_EXCHANGE_NO_AGREEMENT: { status: 403, title: 'No exchange agreement allows this message' },
  GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED: { status: 403, title: 'The agreement does not allow this purpose' },
  GW_ERR_EXCHANGE_DUPLICATE_CONFLICT: { status: 409, title: 'messageId was already used for a different message' },
  GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND: { status: 404, title: 'No such message' },
  GW_ERR_EXCHANGE_NOT_RECEIVER: { status: 403, title: 'Only the receiver may acknowledge a message' },
  GW_ERR_EXCHANGE_ALREADY_ACKNOWLEDGED: { status: 409, title: 'The message was already acknowledged or rejected' },
  GW_ERR_EXCHANGE_INVALID_TRANSITION: { status: 409, title: 'The message\'s status does not allow this step' },

  GW_ERR_LOG_BAD_RANGE: { status: 400, title: 'Log index or tree size out of range' },
  GW_ERR_LOG_NOT_FOUND: { status: 404, title: 'No such log entry or checkpoint' },
  GW_ERR_TRUST_BAD_SIGNATURE: { status: 422, title: 'The sender signature does not verify' },
  GW_ERR_TRUST_CERTIFICATE_INVALID: { status: 422, title: 'The signing certificate is unknown, expired or revoked' },
  GW_ERR_TRUST_CERTIFICATE_STATUS: { status: 409, title: "The certificate's status does not allow this (a revoked certificate stays revoked; only an active one is superseded)" },
  GW_ERR_TRUST_CANNOT_ISSUE: { status: 409, title: 'This gateway cannot issue the certificate: its PKI directory lacks the root CA key or the key being renewed' },
  GW_ERR_TRUST_CRL_INVALID: { status: 422, title: 'The certificate revocation list does not parse or is not signed by a trusted CA' },
  GW_ERR_TRUST_NOT_FOUND: { status: 404, title: 'No such certificate, or none of this member' },

  GW_ERR_AUDIT_CASE_NOT_FOUND: { status: 404, title: 'The exchange log has no entries for this case' },
  GW_ERR_AUDIT_LOG_BEHIND: { status: 503, title: 'The log has not yet integrated every entry of the case; retry shortly' },

  GW_ERR_ADAPTER_UNMAPPED_VALUE: { status: 422, title: 'A value has no mapping in the receiving agency\'s code table or format' },
  GW_ERR_ADAPTER_INVALID_NATIVE: { status: 400, title: 'The agency message does not match its declared format' },
  GW_ERR_SERVICE_UNKNOWN: { status: 404, title: 'The member offers no such service' },
  GW_ERR_AGENCY_TIMEOUT: { status: 504, title: 'The agency did not answer in time' },
  GW_ERR_AGENCY_FAULT: { status: 502, title: 'The agency answered with a SOAP fault' },
  GW_ERR_AGENCY_INVALID_ANSWER: { status: 502, title: 'The agency answered with something that is not a valid answer in its format' },
  GW_ERR_AGENCY_UNAVAILABLE: { status: 502, title: 'The agency could not be reached or answered with an error' },
  GW_ERR_AGENCY_CIRCUIT_OPEN: { status: 503, title: 'Calls to the agency are paused after repeated failures; retry later' },
  GW_ERR_AGENCY_BUSY: { status: 503, title: 'Too many calls to the agency are in progress; retry later' },
  GW_ERR_SOAP_XML_REFUSED: { status: 400, title: 'The SOAP message was refused by the XML gate (size, depth, element/attribute/text counts, DOCTYPE, malformed)' },
  GW_ERR_SOAP_CHARSET_INVALID: { status: 400, title: 'The SOAP message charset is not accepted, contradicts its XML declaration, or does not match its bytes' },
  GW_ERR_SOAP_TOKEN_REFUSED: { status: 401, title: 'The WS-Security UsernameToken is stale, lacks Created/Nonce, or was already used' },
  GW_ERR_DEAD_LETTER_NOT_FOUND: { status: 404, title: 'No such dead letter' },
  GW_ERR_DOCUMENT_CLASSIFIED: { status: 422, title: 'The official document is classified (绝密/机密/秘密): classified documents are never carried by this gateway' },
  GW_ERR_DOCUMENT_ENCODING: { status: 400, title: 'The document text is not valid in its character encoding (UTF-8 or GBK)' },
  GW_ERR_DOCUMENT_NOT_FOUND: { status: 404, title: 'No such official document, or not one your department may see' },
  GW_ERR_DOCUMENT_NOT_PARTY: { status: 403, title: 'Your department is not the party that takes this step of the official document' },
  GW_ERR_DOCUMENT_INVALID_TRANSITION: { status: 409, title: "The official document's status does not allow this step" },
  GW_ERR_STATION_PACKAGE_REFUSED: { status: 422, title: 'The exchange-station package was refused (its XML signature or electronic seal does not verify, or it cannot become a 收文); nothing was stored' },
  GW_ERR_DOCUMENT_DUPLICATE_CONFLICT: { status: 409, title: 'The idempotency key was already used for a different request on this document' },
  GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE: { status: 413, title: 'The attachment exceeds the configured size limit; nothing was stored' },
  GW_ERR_CASE_NOT_FOUND: { status: 404, title: 'No such case (办件), or not one your department may see' },
  GW_ERR_CASE_INVALID_TRANSITION: { status: 409, title: "The case branch's status does not allow this step (recorded in the timeline as not applied)" },
  GW_ERR_CASE_CALENDAR_UNCOVERED: { status: 503, title: 'The official working-day calendar does not cover the year a deadline falls in; no due date is guessed' },
  GW_ERR_DOCUMENT_ATTACHMENT_NOT_FOUND: { status: 404, title: 'The document has no attachment with this digest' },
  GW_ERR_DOCUMENT_ATTACHMENT_PRUNED: { status: 410, title: "The attachment's bytes were dropped by the retention policy; the document still names them by digest" },

  GW_ERR_RETENTION_ARCHIVE_UNREADABLE: { status: 500, title: "An archived body (message, service call, attachment) is missing or does not match its digest (the retention archive was altered or lost)" },

  GW_ERR_STORE_UNAVAILABLE: { status: 503, title: 'The database is not reachable' },
  GW_ERR_OVERLOADED: { status: 503, title: 'The gateway is overloaded; retry later' },
  GW_ERR_INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof catalogue;

export interface FieldError {
  /** JSON pointer into the request body. */
  pointer: string;
  message: string;
}

/** A problem lists at most this many field errors; `errorCount` says how many there were. */
export const MAX_FIELD_ERRORS = 100;

interface ErrorExtra {
  errors?: FieldError[];
  /** How many field errors there were (set when `errors` was cut to MAX_FIELD_ERRORS). */
  errorCount?: number;
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extra: ErrorExtra;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    extra: ErrorExtra = {},
  ) {
    super(`${code}: ${detail ?? catalogue[code].title}`);
    this.status = catalogue[code].status;
    this.title = catalogue[code].title;
    // The one cap: a 6 MB body must not make a 50 MB answer (or log line).
    const errors = extra.errors;
    this.extra = errors && errors.length > MAX_FIELD_ERRORS ? { ...extra, errors: errors.slice(0, MAX_FIELD_ERRORS), errorCount: extra.errorCount ?? errors.length } : extra;
  }
}

export const isGatewayError = (e: unknown): e is GatewayError => e instanceof GatewayError;

/**
 * ajv's errors for a request body as field errors: the pointer names the missing or
 * unknown property itself. (Message payloads get the richer wording of schemas/registry.ts.)
 */
export function requestFieldErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  // An `if` error only says "the then/else branch failed"; that branch's own errors name the field.
  return (errors ?? []).filter((e) => e.keyword !== 'if').map((e) => {
    const p = e.params as { missingProperty?: string; additionalProperty?: string };
    const extra = p.missingProperty ?? p.additionalProperty;
    return {
      pointer: extra ? `${e.instancePath}/${extra}` : e.instancePath,
      message: e.keyword === 'additionalProperties' ? 'unknown property' : e.message ?? 'invalid',
    };
  });
}
