/**
 * Checks a mapping spec once, when it is defined, and compiles it into rules the engine walks:
 * one value kind per rule, known code tables (each 1:1), well-formed paths, conditions that can
 * be evaluated in both directions, and no two rules writing one field unless their conditions
 * exclude each other.
 */
import { CodeTable } from './code-table';
import { isNativeDateFormat } from './datetime';
import type { CustomConversion, FieldRule, MappingSpec, NativeDateFormat, Scalar } from './spec';

export type RuleKind = 'string' | 'integer' | 'decimal' | 'codes' | 'date' | 'each' | 'constant' | 'custom';

export interface CompiledRule {
  kind: RuleKind;
  optional: boolean;
  /** Our path, split. */
  from: string[];
  /** Native path, split (empty for `constant`). */
  to: string[];
  /** Native path from the message root, dotted (for messages). */
  field: string;
  when?: Array<{ path: string[]; values: Scalar[] }>;
  table?: CodeTable;
  date?: NativeDateFormat;
  scale?: number;
  constant?: Scalar;
  custom?: CustomConversion;
  items?: CompiledRule[];
}

export interface CompiledSpec {
  name: string;
  version: string;
  charset: 'utf-8' | 'gbk';
  rules: CompiledRule[];
}

const NATIVE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const KINDS = ['codes', 'date', 'type', 'each', 'constant', 'custom'] as const;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function fail(spec: string, where: string, message: string): never {
  throw new Error(`mapping ${spec}: ${where}: ${message}`);
}

function splitPath(spec: string, where: string, path: unknown, native: boolean): string[] {
  if (typeof path !== 'string' || path === '') fail(spec, where, `${native ? 'to' : 'from'} must be a non-empty dotted path`);
  const segments = path.split('.');
  for (const s of segments) {
    if (native ? !NATIVE_NAME.test(s) : s === '') fail(spec, where, `bad path segment ${JSON.stringify(s)} in ${JSON.stringify(path)}`);
  }
  return segments;
}

/** Two conditions exclude each other when some path is constrained by both to disjoint values. */
function exclusive(a: CompiledRule['when'], b: CompiledRule['when']): boolean {
  if (!a || !b) return false;
  return a.some((ca) => b.some((cb) => ca.path.join('.') === cb.path.join('.') && !ca.values.some((v) => cb.values.includes(v))));
}

function compileRules(
  spec: MappingSpec,
  tables: Map<string, CodeTable>,
  rules: readonly FieldRule[],
  nativePrefix: string,
  scope: string,
): CompiledRule[] {
  if (!Array.isArray(rules) || rules.length === 0) fail(spec.name, scope, 'fields must be a non-empty array');
  const out: CompiledRule[] = [];
  rules.forEach((rule, i) => {
    const where = `${scope}[${i}]${rule.to ? ` (${rule.to})` : rule.from ? ` (${rule.from})` : ''}`;
    const given = KINDS.filter((k) => rule[k] !== undefined);
    if (given.length > 1) fail(spec.name, where, `one value kind per rule, got ${given.join(' and ')}`);
    const kind: RuleKind = rule.codes !== undefined ? 'codes' : rule.date !== undefined ? 'date' : rule.each !== undefined ? 'each'
      : rule.constant !== undefined ? 'constant' : rule.custom !== undefined ? 'custom' : (rule.type ?? 'string');
    if (!['string', 'integer', 'decimal', 'codes', 'date', 'each', 'constant', 'custom'].includes(kind)) fail(spec.name, where, `unknown type ${String(kind)}`);
    const from = splitPath(spec.name, where, rule.from, false);
    let to: string[] = [];
    if (kind === 'constant') {
      if (rule.to !== undefined) fail(spec.name, where, 'a constant has no native field (omit `to`)');
      if (!isScalar(rule.constant)) fail(spec.name, where, 'constant must be a scalar');
    } else {
      to = splitPath(spec.name, where, rule.to, true);
    }
    const c: CompiledRule = { kind, optional: rule.optional === true, from, to, field: nativePrefix + to.join('.') };
    if (rule.scale !== undefined && (kind !== 'decimal' || !Number.isInteger(rule.scale) || rule.scale < 0 || rule.scale > 20)) {
      fail(spec.name, where, 'scale is for decimals: an integer 0..20');
    }
    c.scale = rule.scale;
    if (kind === 'codes') {
      c.table = tables.get(rule.codes!);
      if (!c.table) fail(spec.name, where, `no code table ${JSON.stringify(rule.codes)}`);
    }
    if (kind === 'date') {
      if (!isNativeDateFormat(rule.date)) fail(spec.name, where, `unknown date format ${JSON.stringify(rule.date)}`);
      c.date = rule.date;
    }
    if (kind === 'constant') c.constant = rule.constant;
    if (kind === 'custom') {
      if (typeof rule.custom?.toNative !== 'function' || typeof rule.custom.fromNative !== 'function') {
        fail(spec.name, where, 'custom needs toNative and fromNative functions');
      }
      c.custom = rule.custom;
    }
    if (kind === 'each') {
      if (to.length < 1) fail(spec.name, where, 'each needs the repeated element path');
      c.items = compileRules(spec, tables, rule.each!, `${c.field}.`, `${where}.each`);
    }
    if (rule.when !== undefined) {
      if (typeof rule.when !== 'object' || rule.when === null || Object.keys(rule.when).length === 0) fail(spec.name, where, 'when must name at least one path');
      c.when = Object.entries(rule.when).map(([path, v]) => {
        const values = (Array.isArray(v) ? v : [v]) as unknown[];
        if (values.length === 0 || !values.every(isScalar)) fail(spec.name, where, `when ${path}: values must be scalars`);
        // Reverse direction evaluates the condition on the JSON built so far.
        if (!out.some((earlier) => earlier.from.join('.') === path && earlier.kind !== 'each')) {
          fail(spec.name, where, `when ${path}: must be the \`from\` of an earlier rule in the same scope`);
        }
        return { path: path.split('.'), values: values as Scalar[] };
      });
    }
    for (const earlier of out) {
      const sameTo = c.to.length > 0 && earlier.to.join('.') === c.to.join('.');
      const sameFrom = earlier.from.join('.') === c.from.join('.');
      if ((sameTo || sameFrom) && !exclusive(earlier.when, c.when)) {
        fail(spec.name, where, `${sameTo ? `native field ${c.field}` : `field ${c.from.join('.')}`} is mapped twice without exclusive conditions`);
      }
    }
    out.push(c);
  });
  return out;
}

/** Validates and compiles a spec; throws an Error naming the rule at fault. */
export function compileSpec(spec: MappingSpec): CompiledSpec {
  if (typeof spec?.name !== 'string' || spec.name === '') throw new Error('mapping: name must be a non-empty string');
  if (typeof spec.version !== 'string' || spec.version === '') fail(spec.name, 'version', 'must be a non-empty string');
  const charset = spec.charset ?? 'utf-8';
  if (charset !== 'utf-8' && charset !== 'gbk') fail(spec.name, 'charset', `unknown charset ${String(charset)}`);
  const tables = new Map<string, CodeTable>();
  for (const [name, t] of Object.entries(spec.codeTables ?? {})) {
    tables.set(name, t instanceof CodeTable ? t : new CodeTable(name, t));
  }
  return { name: spec.name, version: spec.version, charset, rules: compileRules(spec, tables, spec.fields, '', 'fields') };
}
