import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import { GatewayError, requestFieldErrors, type ErrorCode, type FieldError } from '../errors';
import { incompleteNote, validateBounded, type TwinValidator } from './bounded';

/**
 * The one Ajv of the API contract: every request body, query string and header set
 * the OpenAPI document publishes (route middleware in http/validate.ts), the push
 * envelope and the agencies' service request and answer schemas are compiled here,
 * once per schema object, as JSON Schema 2020-12 (the dialect of OpenAPI 3.1).
 * (Message-type payloads have their own registry, schemas/registry.ts, with richer
 * wording; the config its own start-up check.)
 *
 * One configuration, two modes (see bounded.ts): fail-fast decides, the listing
 * twin runs only for an instance small enough to list every error of.
 */

// RFC 3339 §5.6 date-time: 'T' separator (not a space) and a mandatory offset with a colon;
// ajv-formats' full validator then checks the calendar and clock values themselves.
const RFC3339_SHAPE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const ajvDateTime = fullFormats['date-time'] as { validate: (s: string) => boolean };

/** An RFC 3339 date-time with offset, e.g. 2026-03-02T09:30:00+08:00. */
export const isRfc3339DateTime = (s: string): boolean => RFC3339_SHAPE.test(s) && ajvDateTime.validate(s);

function contractAjv(allErrors: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors, strict: true });
  addFormats(ajv);
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
  // An annotation for documentation tools (masked input), not a constraint.
  ajv.addFormat('password', true);
  return ajv;
}

let ajv: { first: Ajv2020; all: Ajv2020 } | undefined;
const compiled = new WeakMap<object, TwinValidator>();
/** The same twin for the same schema text: a route built again (another gateway in one process) compiles nothing anew. */
const byText = new Map<string, TwinValidator>();

/**
 * Each half compiled when it is first called (compiling every route's schemas at start cost
 * ≈0.2 s of CPU per gateway start, most of them for routes a process never serves; the listing
 * twin runs only for an invalid instance). compileDeclaredContracts compiles them all at once.
 */
function lazyTwin(schema: object): TwinValidator {
  let first: ValidateFunction | undefined;
  let all: ValidateFunction | undefined;
  return {
    get first() {
      return (first ??= (ajv ??= { first: contractAjv(false), all: contractAjv(true) }).first.compile(schema));
    },
    get all() {
      return (all ??= (ajv ??= { first: contractAjv(false), all: contractAjv(true) }).all.compile(schema));
    },
  };
}

/** The twin of a contract schema (each half compiled on first use, then reused: same object or same content). */
export function contractValidator(schema: object): TwinValidator {
  let v = compiled.get(schema);
  if (!v) {
    const text = JSON.stringify(schema);
    v = byText.get(text) ?? lazyTwin(schema);
    byText.set(text, v);
    compiled.set(schema, v);
  }
  return v;
}

/**
 * Compiles both halves of every contract schema declared so far (the routes declare theirs when
 * they are built): throws on a schema Ajv refuses. The route-contract test calls it after building
 * the whole gateway, so such a schema fails the tests instead of a request. Returns how many.
 */
export function compileDeclaredContracts(): number {
  for (const v of byText.values()) void (v.first, v.all);
  return byText.size;
}

export interface ContractCheck {
  /** The catalogue code of a refusal (default GW_ERR_REQUEST_INVALID). */
  code?: ErrorCode;
  /** The problem's detail. */
  detail: string;
  /** Prefix of every field error's pointer, e.g. '/headers'. */
  at?: string;
}

/** The field errors of `data` against `schema` (pointers below `at`), or null when it is valid. */
export function contractErrors(schema: object, data: unknown, at = ''): { errors: FieldError[]; complete: boolean } | null {
  const invalid = validateBounded(contractValidator(schema), data);
  if (!invalid) return null;
  return { errors: requestFieldErrors(invalid.errors).map((e) => ({ ...e, pointer: at + e.pointer })), complete: invalid.complete };
}

/** Throws the check's error (400 GW_ERR_REQUEST_INVALID by default) with a pointer per field when `data` does not match `schema`. */
export function assertContract(schema: object, data: unknown, check: ContractCheck): void {
  const invalid = contractErrors(schema, data, check.at);
  if (invalid) throw new GatewayError(check.code ?? 'GW_ERR_REQUEST_INVALID', check.detail + incompleteNote(invalid.complete), { errors: invalid.errors });
}
