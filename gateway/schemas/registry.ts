/**
 * Message-type schema registry: loads every `<type>.schema.json` (JSON Schema 2020-12) from a
 * directory, compiles each once at load time with Ajv (the listing twin on first use), and validates payloads into
 * `{pointer, message}` errors whose pointers are RFC 6901 JSON pointers into the payload
 * (the shape API-CONVENTIONS asks for in problem+json validation errors).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { isValidIdNumber, isValidUscc, usccShape } from './identifiers';
import { validateBounded, type TwinValidator } from './bounded';
import { isRfc3339DateTime } from './contract';

export interface ValidationIssue {
  /** JSON pointer into the payload ('' = the payload itself). */
  pointer: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; warnings?: ValidationIssue[] }
  /** complete: false when only the first error was looked for (a large instance, see bounded.ts). */
  | { ok: false; errors: ValidationIssue[]; complete: boolean };

export interface SchemaRegistryOptions {
  /**
   * 'strict' (default): a USCC must have a correct GB 32100 check character.
   * 'warn': only the shape (18 chars of the USCC alphabet) is enforced; a wrong check
   * character is accepted and reported in `warnings` (some early pilot codes fail the check
   * yet are legal).
   */
  usccMode?: 'strict' | 'warn';
}

const SCHEMA_SUFFIX = '.schema.json';

const FORMAT_MESSAGES: Record<string, string> = {
  'date-time': 'must be an RFC 3339 date-time with offset, e.g. 2026-03-02T09:30:00+08:00',
  date: 'must be a date YYYY-MM-DD',
  uscc: 'must be a valid unified social credit code (统一社会信用代码, GB 32100-2015: 18 characters with a correct check character)',
  'uscc-shape': 'must be 18 characters of the unified social credit code alphabet (0-9, A-Y without I, O, S, V, Z)',
  'cn-id-number': 'must be a valid 18-character resident ID number (居民身份证号码, GB 11643: valid birth date and check digit, uppercase X)',
};

function newAjv(uscc: (s: string) => boolean, allErrors = true): Ajv2020 {
  const ajv = new Ajv2020({ allErrors, strict: true, discriminator: true, verbose: true });
  addFormats(ajv);
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
  ajv.addFormat('uscc', { type: 'string', validate: uscc });
  ajv.addFormat('cn-id-number', { type: 'string', validate: isValidIdNumber });
  return ajv;
}

interface Entry {
  schema: AnySchemaObject;
  validate: TwinValidator;
  /** Warn mode only: the same schema with strict USCC checking, used to locate warnings. */
  strictValidate?: ValidateFunction;
}

export class SchemaRegistry {
  private readonly entries: Map<string, Entry>;
  private readonly warnState: { usccCheckFailed: boolean };
  private readonly messages: Record<string, string>;

  private constructor(entries: Map<string, Entry>, warnState: { usccCheckFailed: boolean }, mode: 'strict' | 'warn') {
    this.entries = entries;
    this.warnState = warnState;
    this.messages = mode === 'warn' ? { ...FORMAT_MESSAGES, uscc: FORMAT_MESSAGES['uscc-shape']! } : FORMAT_MESSAGES;
  }

  /** Reads and compiles every `*.schema.json` in `dir`; type name = file name minus the suffix. */
  static async load(dir: string, opts: SchemaRegistryOptions = {}): Promise<SchemaRegistry> {
    const mode = opts.usccMode ?? 'strict';
    if (mode !== 'strict' && mode !== 'warn') throw new Error(`SchemaRegistry: unknown usccMode ${String(mode)}`);
    const warnState = { usccCheckFailed: false };
    const lenientUscc = (s: string): boolean => {
      if (!usccShape(s)) return false;
      if (!isValidUscc(s)) warnState.usccCheckFailed = true;
      return true;
    };
    const ajv = newAjv(mode === 'warn' ? lenientUscc : isValidUscc);
    const firstAjv = newAjv(mode === 'warn' ? lenientUscc : isValidUscc, false);
    const strictAjv = mode === 'warn' ? newAjv(isValidUscc) : undefined;

    const files = (await fs.readdir(dir)).filter((f) => f.endsWith(SCHEMA_SUFFIX)).sort();
    const loaded: { type: string; file: string; schema: AnySchemaObject }[] = [];
    for (const file of files) {
      const text = await fs.readFile(path.join(dir, file), 'utf8');
      let schema: AnySchemaObject;
      try {
        schema = deepFreeze(JSON.parse(text) as AnySchemaObject);
      } catch (e) {
        throw new Error(`SchemaRegistry: ${file} is not valid JSON: ${(e as Error).message}`);
      }
      const type = file.slice(0, -SCHEMA_SUFFIX.length);
      loaded.push({ type, file, schema });
      // Add all schemas first so that cross-file $refs resolve regardless of order.
      try {
        ajv.addSchema(schema, schema.$id ?? type);
        firstAjv.addSchema(schema, schema.$id ?? type);
        strictAjv?.addSchema(schema, schema.$id ?? type);
      } catch (e) {
        throw new Error(`SchemaRegistry: cannot add ${file}: ${(e as Error).message}`);
      }
    }

    const entries = new Map<string, Entry>();
    for (const { type, file, schema } of loaded) {
      try {
        const key = schema.$id ?? type;
        // The fail-fast twin compiles now (strict: a bad keyword stops the load); the listing twin and the
        // warn-mode strict twin, the same schema with other options, when first needed (≈half the load's CPU).
        const first = firstAjv.getSchema(key);
        if (!first) throw new Error('schema did not compile');
        const later = (from: Ajv2020): (() => ValidateFunction) => {
          let v: ValidateFunction | undefined;
          return () => (v ??= from.getSchema(key)!);
        };
        const all = later(ajv);
        const strict = strictAjv && later(strictAjv);
        entries.set(type, {
          schema,
          validate: {
            first,
            get all() {
              return all();
            },
          },
          get strictValidate() {
            return strict?.();
          },
        });
      } catch (e) {
        throw new Error(`SchemaRegistry: cannot compile ${file}: ${(e as Error).message}`);
      }
    }
    return new SchemaRegistry(entries, warnState, mode);
  }

  /** Known message types, sorted. */
  types(): string[] {
    return [...this.entries.keys()];
  }

  has(type: string): boolean {
    return this.entries.has(type);
  }

  /** The parsed (frozen) JSON Schema of a type. Throws for an unknown type. */
  schemaOf(type: string): object {
    return this.entry(type).schema;
  }

  /** Validates `payload` against the schema of `type`. Throws for an unknown type. */
  validate(type: string, payload: unknown): ValidationResult {
    const entry = this.entry(type);
    this.warnState.usccCheckFailed = false;
    const invalid = validateBounded(entry.validate, payload);
    if (invalid) return { ok: false, errors: formatErrors(invalid.errors, this.messages), complete: invalid.complete };
    if (this.warnState.usccCheckFailed && entry.strictValidate && !entry.strictValidate(payload)) {
      const warnings = formatErrors(
        (entry.strictValidate.errors ?? []).filter((e) => e.keyword === 'format' && e.params.format === 'uscc'),
      ).map((w) => ({ pointer: w.pointer, message: 'check character of the unified social credit code is wrong (accepted: usccMode=warn)' }));
      if (warnings.length > 0) return { ok: true, warnings };
    }
    return { ok: true };
  }

  private entry(type: string): Entry {
    const e = this.entries.get(type);
    if (!e) throw new Error(`SchemaRegistry: unknown message type "${type}"`);
    return e;
  }
}

/** RFC 6901 escaping of one reference token. */
function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

function list(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function discriminatorValues(parent: unknown, tag: string): unknown[] {
  const oneOf = (parent as { oneOf?: unknown[] } | undefined)?.oneOf ?? [];
  const out: unknown[] = [];
  for (const branch of oneOf) {
    const p = (branch as { properties?: Record<string, { const?: unknown; enum?: unknown[] }> }).properties?.[tag];
    if (p?.const !== undefined) out.push(p.const);
    else if (Array.isArray(p?.enum)) out.push(...p.enum);
  }
  return out;
}

function formatOne(e: ErrorObject, messages: Record<string, string>): ValidationIssue | undefined {
  const at = e.instancePath;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: `${at}/${escapeToken(String(p.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return { pointer: `${at}/${escapeToken(String(p.additionalProperty))}`, message: 'is not an allowed property' };
    case 'enum':
      return { pointer: at, message: `must be one of: ${list((p.allowedValues as unknown[]) ?? [])}` };
    case 'const':
      return { pointer: at, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'format': {
      const f = String(p.format);
      return { pointer: at, message: messages[f] ?? `must be a valid ${f}` };
    }
    case 'pattern':
      return { pointer: at, message: `has an invalid format (must match ${String(p.pattern)})` };
    case 'discriminator': {
      const tag = String(p.tag);
      const pointer = `${at}/${escapeToken(tag)}`;
      if (p.tagValue === undefined) return { pointer, message: 'is required' };
      return { pointer, message: `must be one of: ${list(discriminatorValues(e.parentSchema, tag))}` };
    }
    case 'if':
      return undefined; // always accompanied by the more precise then/else errors
    case 'oneOf':
      return { pointer: at, message: 'must match exactly one of the allowed shapes' };
    default:
      return { pointer: at, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** Converts Ajv errors into `{pointer, message}` issues, dropping duplicates. */
export function formatErrors(
  errors: readonly ErrorObject[],
  messages: Record<string, string> = FORMAT_MESSAGES,
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  // A missing discriminator tag is also a `required` error: report it once, as missing.
  const missing = new Set(
    errors.filter((e) => e.keyword === 'required').map((e) => `${e.instancePath}/${escapeToken(String(e.params.missingProperty))}`),
  );
  for (const e of errors) {
    const issue = formatOne(e, messages);
    if (!issue) continue;
    if (e.keyword === 'discriminator' && e.params.error === 'tag' && missing.has(issue.pointer)) continue;
    const key = `${issue.pointer}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
