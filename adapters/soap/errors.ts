/**
 * What can go wrong talking SOAP to an agency, and how the gateway says it.
 *
 * AgencyError is what SoapClient throws: one of four kinds, with the fault or the
 * HTTP status when there is one. agencyErrorToAdapterError turns it into an
 * AdapterError with the catalogue code (no stack ever reaches a detail). SoapFault is what a
 * soapRouter operation handler throws to answer with a proper SOAP fault.
 */
import { AdapterError } from '../errors';

type AgencyErrorKind = 'timeout' | 'fault' | 'unavailable' | 'invalid';

/** A SOAP fault as read from the wire: `code` is the local name (Client/Server for 1.1, Sender/Receiver for 1.2). */
export interface FaultInfo {
  code: string;
  /** SOAP 1.2 Subcode value as written, e.g. `wsse:FailedAuthentication`. */
  subcode?: string;
  reason: string;
}

export class AgencyError extends Error {
  override readonly name = 'AgencyError';
  readonly fault?: FaultInfo;
  readonly httpStatus?: number;
  /** The client's timeout, for kind 'timeout'. */
  readonly timeoutMs?: number;
  /** What was sent and received, when there was anything (for diagnostics and dead letters). */
  rawRequest?: string;
  rawResponse?: string;
  constructor(
    readonly kind: AgencyErrorKind,
    message: string,
    extra: { fault?: FaultInfo; httpStatus?: number; timeoutMs?: number; rawRequest?: string; rawResponse?: string } = {},
  ) {
    super(message);
    this.fault = extra.fault;
    this.httpStatus = extra.httpStatus;
    this.timeoutMs = extra.timeoutMs;
    this.rawRequest = extra.rawRequest;
    this.rawResponse = extra.rawResponse;
  }
}

export const isAgencyError = (e: unknown): e is AgencyError => e instanceof AgencyError;

/** The fault codes that mean "the request itself was refused": retrying cannot help. */
const BUSINESS_REFUSAL = new Set(['client', 'sender', 'versionmismatch', 'mustunderstand', 'dataencodingunknown']);

/** The first segment of a code, lower-cased: `Client.Authentication` → `client`. */
const codeFamily = (code: string): string => code.slice(code.indexOf(':') + 1).split('.')[0]!.toLowerCase();

/**
 * Should the call be tried again later? Timeouts, unreachable agencies, invalid
 * answers (an error page, a broken envelope: the agency is misbehaving) and
 * Server/Receiver faults: yes. Client/Sender faults (business refusals, failed
 * authentication): no.
 */
export function isRetryable(e: unknown): boolean {
  if (e instanceof AdapterError) {
    return e.code === 'GW_ERR_AGENCY_TIMEOUT' || e.code === 'GW_ERR_AGENCY_UNAVAILABLE' || e.code === 'GW_ERR_AGENCY_INVALID_ANSWER';
  }
  if (!(e instanceof AgencyError)) return false;
  switch (e.kind) {
    case 'timeout':
    case 'unavailable':
    case 'invalid':
      return true;
    case 'fault':
      return !BUSINESS_REFUSAL.has(codeFamily(e.fault?.code ?? 'Server'));
  }
}

/** The fault in one line: `Sender (wsse:FailedAuthentication): 身份认证失败`. */
export const describeFault = (f: FaultInfo): string => `${f.code}${f.subcode ? ` (${f.subcode})` : ''}: ${f.reason}`;

/**
 * AgencyError → an AdapterError with the catalogue code, naming the agency. An AdapterError
 * passes through; anything else becomes GW_ERR_INTERNAL without its message.
 * (A GW_ERR_AGENCY_FAULT is retryable or not by the fault code: ask isRetryable on the AgencyError.)
 */
export function agencyErrorToAdapterError(e: unknown, agencyName: string): AdapterError {
  if (e instanceof AdapterError) return e;
  if (!(e instanceof AgencyError)) return new AdapterError('GW_ERR_INTERNAL', `unexpected error while calling ${agencyName}`);
  switch (e.kind) {
    case 'timeout':
      return new AdapterError('GW_ERR_AGENCY_TIMEOUT', `${agencyName} did not answer within ${e.timeoutMs ?? '?'} ms`);
    case 'fault':
      return new AdapterError('GW_ERR_AGENCY_FAULT', `${agencyName} answered with SOAP fault ${describeFault(e.fault ?? { code: 'Server', reason: e.message })}`);
    case 'unavailable':
      return new AdapterError('GW_ERR_AGENCY_UNAVAILABLE', `${agencyName}: ${e.message}`);
    case 'invalid':
      return new AdapterError('GW_ERR_AGENCY_INVALID_ANSWER', `${agencyName} answered with an invalid SOAP message: ${e.message}`);
  }
}

/** Thrown by a soapRouter operation handler to answer with a SOAP fault of the service's version. */
export class SoapFault extends Error {
  override readonly name = 'SoapFault';
  readonly code: 'Client' | 'Server' | 'Sender' | 'Receiver';
  readonly reason: string;
  readonly subcode?: string;
  constructor(fault: { code: 'Client' | 'Server' | 'Sender' | 'Receiver'; reason: string; subcode?: string }) {
    super(`${fault.code}: ${fault.reason}`);
    this.code = fault.code;
    this.reason = fault.reason;
    this.subcode = fault.subcode;
  }
}
