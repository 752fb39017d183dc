/**
 * What an adapter throws: AdapterError, with one of the catalogue codes an adapter may
 * raise. Adapters import nothing from gateway/; the gateway turns an AdapterError into
 * its catalogue error (status, title) at the one boundary where it reaches adapters,
 * gateway/adapters/boundary.ts, which also checks at compile time that every code here
 * is in the catalogue (gateway/errors.ts).
 */

export type AdapterErrorCode =
  /** Our value has no mapping in the agency's code table or format (toNative), or the adapter has no conversion for the type. */
  | 'GW_ERR_ADAPTER_UNMAPPED_VALUE'
  /** The agency's message does not match its declared format (fromNative). */
  | 'GW_ERR_ADAPTER_INVALID_NATIVE'
  | 'GW_ERR_AGENCY_TIMEOUT'
  | 'GW_ERR_AGENCY_FAULT'
  | 'GW_ERR_AGENCY_INVALID_ANSWER'
  | 'GW_ERR_AGENCY_UNAVAILABLE'
  | 'GW_ERR_AGENCY_CIRCUIT_OPEN'
  | 'GW_ERR_AGENCY_BUSY'
  /** Anything unexpected (its message is not shown). */
  | 'GW_ERR_INTERNAL';

interface AdapterErrorExtra {
  /** The fields at fault, by JSON pointer (into our JSON or the native message). */
  errors?: { pointer: string; message: string }[];
  /** Response headers the caller should get, e.g. Retry-After. */
  headers?: Record<string, string>;
}

export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  constructor(
    readonly code: AdapterErrorCode,
    readonly detail: string,
    readonly extra: AdapterErrorExtra = {},
  ) {
    super(`${code}: ${detail}`);
  }
}
