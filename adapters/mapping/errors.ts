/** The two errors a mapping throws, with the field, the value and a JSON pointer. */
import { AdapterError } from '../errors';

/** RFC 6901 reference token. */
export const pointerToken = (segment: string | number): string => String(segment).replace(/~/g, '~0').replace(/\//g, '~1');

/** A value shown in a message: JSON-quoted, long values cut. */
export function showValue(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A value with no mapping: ours not in the agency's code table or format (toNative), or an agency code not in the table (fromNative). */
export function unmappedValue(field: string, pointer: string, message: string): AdapterError {
  return new AdapterError('GW_ERR_ADAPTER_UNMAPPED_VALUE', `${field}: ${message}`, { errors: [{ pointer, message }] });
}

/** fromNative: the agency's message does not match its declared format (a required field missing, a malformed date or number). */
export function invalidNative(field: string, pointer: string, message: string): AdapterError {
  return new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', `${field}: ${message}`, { errors: [{ pointer, message }] });
}
