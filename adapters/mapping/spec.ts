/**
 * The declarative mapping format: one spec describes how a JSON message of ours and an
 * agency's native element tree correspond, field by field, in both directions.
 *
 * "toNative" (forward) reads our JSON and writes the agency's tree; "fromNative" (reverse)
 * reads the agency's tree and writes our JSON. Rules are applied in order, and in forward
 * direction that order is the order of the native child elements.
 */
import type { CodeTable, CodeTableEntries, Scalar } from './code-table';

export type { Scalar };

/**
 * Agency date/time formats, always Asia/Shanghai wall time (fixed +08:00, no DST).
 * Formats with a time correspond to an RFC 3339 date-time with offset on our side
 * (any offset is accepted forward and converted; reverse always yields +08:00);
 * date-only formats correspond to `YYYY-MM-DD`.
 */
export type NativeDateFormat = 'yyyy-MM-dd HH:mm:ss' | 'yyyyMMddHHmmss' | 'yyyyMMdd' | 'yyyy-MM-dd';

/**
 * A rule applies only when every listed path (relative to the rule's scope on our side)
 * holds the value, or one of the values. In reverse direction the condition is evaluated
 * on the JSON built so far, so each path must be the `from` of an earlier rule in the
 * same scope (checked when the spec is defined).
 */
export type Condition = Readonly<Record<string, Scalar | readonly Scalar[]>>;

/** What a custom conversion knows about the field it converts. */
export interface ConversionContext {
  /** The native field, dotted from the message root, e.g. `CLLB.CL.ZYZ`. */
  readonly field: string;
  /** The JSON path on our side, dotted, with array indexes, e.g. `materials.3.digest`. */
  readonly path: string;
  /** JSON pointer: into our JSON (toNative) or into the native message (fromNative). */
  readonly pointer: string;
  /** Throws GW_ERR_ADAPTER_UNMAPPED_VALUE (toNative) or GW_ERR_ADAPTER_INVALID_NATIVE (fromNative). */
  fail(message: string): never;
}

/** Escape hatch for a value no declarative kind covers: both directions in code. */
export interface CustomConversion {
  /** Our (present, non-null) value → the native element's text. */
  toNative(value: unknown, ctx: ConversionContext): string;
  /** The native element's (non-empty) text → our value. */
  fromNative(text: string, ctx: ConversionContext): unknown;
}

/**
 * One field. Exactly one value kind: `codes`, `date`, `type` (the default: 'string'),
 * `each`, `constant` or `custom`.
 */
export interface FieldRule {
  /**
   * Native element path, dotted (`SLBH`, `caseDoc.ywbh`). For `each`, the path of the
   * repeated element; everything before its last segment is the container, which
   * toNative always writes (empty when there are no items), e.g. `CLLB.CL`.
   * Omitted only for `constant`.
   */
  to?: string;
  /** Our JSON path, dotted (`matter.kind`), relative to the scope (the item, inside `each`). */
  from: string;
  /** May be absent: toNative omits the element, fromNative omits the JSON field (an empty element counts as absent). */
  optional?: boolean;
  /** The rule applies only when this condition holds (e.g. `{ 'applicant.type': 'person' }`). */
  when?: Condition;
  /** Name of a code table of the spec: our value ↔ the agency's code. */
  codes?: string;
  /** Agency date/time format. */
  date?: NativeDateFormat;
  /** 'string' (default); 'integer' (JSON number ↔ digits); 'decimal' (JSON decimal string or number ↔ decimal text, JSON side a string). */
  type?: 'string' | 'integer' | 'decimal';
  /** Decimal only: exactly this many decimals (padded with zeros; more significant decimals are an error, never rounded). */
  scale?: number;
  /** Array: `from` is an array of objects, each mapped by these rules (paths relative to the item). */
  each?: readonly FieldRule[];
  /** Our value is fixed (the agency's format has no field for it): fromNative sets it, toNative checks it. No `to`. */
  constant?: Scalar;
  /** Code for the rest. */
  custom?: CustomConversion;
}

export interface MappingSpec {
  /** Shown in error details, e.g. `amr SubmitCaseRequest`. */
  name: string;
  /** The mapping version logged with every converted message (provenance). */
  version: string;
  /**
   * The agency's wire charset. 'gbk': toNative checks every text is encodable in GBK
   * (2-byte GBK, no private-use characters) and fails with GW_ERR_ADAPTER_UNMAPPED_VALUE
   * otherwise, instead of letting the encoder substitute '?'. Default 'utf-8'.
   */
  charset?: 'utf-8' | 'gbk';
  /** Code tables by name: `{ ours: theirs }`, `[ours, theirs]` pairs, or a shared CodeTable. */
  codeTables?: Readonly<Record<string, CodeTable | CodeTableEntries>>;
  fields: readonly FieldRule[];
}

/** Prefixes the native path of every rule (not of the items inside `each`), e.g. `nest('caseDoc', [...])`. */
export function nest(prefix: string, rules: readonly FieldRule[]): FieldRule[] {
  return rules.map((r) => (r.to === undefined ? { ...r } : { ...r, to: `${prefix}.${r.to}` }));
}
