import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * Listing every error (ajv allErrors) costs in proportion to the instance: a 6 MB
 * array of `{}` where objects with three required members belong gives six million
 * errors (minutes, gigabytes). So each schema is compiled twice: a fail-fast twin
 * decides (the happy path runs only that one), and the listing twin runs only for
 * an instance of at most LIST_ALL_ERRORS_MAX_VALUES values, whose list is bounded.
 */
export const LIST_ALL_ERRORS_MAX_VALUES = 10_000;

export interface TwinValidator {
  /** allErrors: false */
  first: ValidateFunction;
  /** allErrors: true */
  all: ValidateFunction;
}

/** True when `value` holds more than `limit` values (members, items and scalars), counting no further than that. */
export function moreValuesThan(value: unknown, limit: number): boolean {
  let left = limit;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    const children = Array.isArray(v) ? v : Object.values(v);
    left -= children.length;
    if (left < 0) return true;
    for (const x of children) stack.push(x);
  }
  return false;
}

/**
 * null when `data` is valid; else its errors: all of them (`complete`) for an instance
 * small enough, the first one only for a larger one.
 */
export function validateBounded(v: TwinValidator, data: unknown): { errors: ErrorObject[]; complete: boolean } | null {
  if (v.first(data)) return null;
  if (moreValuesThan(data, LIST_ALL_ERRORS_MAX_VALUES)) return { errors: v.first.errors ?? [], complete: false };
  v.all(data);
  return { errors: v.all.errors ?? [], complete: true };
}

/** The detail's tail when only the first error was looked for. */
export const incompleteNote = (complete: boolean): string =>
  complete ? '' : ` (only the first error is listed: the instance has more than ${LIST_ALL_ERRORS_MAX_VALUES} values)`;
