/**
 * The mapping engine: walks a compiled spec over our JSON (toNative, "forward") or over an
 * agency's parsed element tree (fromNative, "reverse"). Never guesses: a value without a
 * mapping throws GW_ERR_ADAPTER_UNMAPPED_VALUE, a malformed agency message
 * GW_ERR_ADAPTER_INVALID_NATIVE, each naming the field, the value and a JSON pointer.
 */
import type { NativeObject, NativeValue } from '../types';
import { describeChar, firstNonGbkChar, firstNonXmlChar } from './charset';
import { compileSpec, type CompiledRule, type CompiledSpec } from './define';
import { formatHasTime, fromNativeDate, toNativeDate } from './datetime';
import { invalidNative, pointerToken, showValue, unmappedValue } from './errors';
import type { ConversionContext, MappingSpec } from './spec';
import { asArray, conditionHolds, decimalText, getPath, isPlainObject, readLeaf, setPath } from './values';

export interface MappingOptions {
  /**
   * Prefix of error pointers. toNative: where our JSON sits in the request body
   * (e.g. `/payload` for a push); fromNative: where the tree sits in the agency message.
   * Default '' (the JSON or the tree is the whole body).
   */
  pointer?: string;
}

export interface Mapping {
  readonly name: string;
  readonly version: string;
  /** Our JSON → the agency's element tree (children of the request element), in native order. */
  toNative(json: unknown, opts?: MappingOptions): NativeObject;
  /** The agency's parsed tree → our JSON. Unknown native elements are ignored. */
  fromNative(native: NativeObject, opts?: MappingOptions): Record<string, unknown>;
}

const ptr = (base: string, path: readonly string[]): string => base + path.map((s) => '/' + pointerToken(s)).join('');

function forward(spec: CompiledSpec, rules: CompiledRule[], scope: unknown, out: Record<string, unknown>, base: string, prefix: string): void {
  for (const r of rules) {
    if (r.when && !conditionHolds(r.when, scope)) continue;
    const value = getPath(scope, r.from);
    const pointer = ptr(base, r.from);
    const path = prefix + r.from.join('.');
    const label = r.kind === 'constant' ? path : `${r.field} (${path})`;
    const fail = (message: string): never => {
      throw unmappedValue(label, pointer, message);
    };
    if (value === undefined || value === null) {
      if (r.optional) continue;
      fail(r.kind === 'constant' ? `is absent; ${spec.name} implies ${showValue(r.constant)}` : `is absent, but ${spec.name} requires ${r.field}`);
    }
    switch (r.kind) {
      case 'constant':
        if (value !== r.constant) fail(`${showValue(value)} cannot be expressed: ${spec.name} implies ${showValue(r.constant)}`);
        continue;
      case 'each': {
        if (!Array.isArray(value)) fail(`${showValue(value)} is not an array`);
        const items = (value as unknown[]).map((item, i) => {
          if (!isPlainObject(item)) throw unmappedValue(`${r.field} (${path}.${i})`, `${pointer}/${i}`, 'is not an object');
          const itemOut: Record<string, unknown> = {};
          forward(spec, r.items!, item, itemOut, `${pointer}/${i}`, `${path}.${i}.`);
          return itemOut;
        });
        const container = r.to.length > 1 ? r.to.slice(0, -1) : [];
        if (container.length > 0 && getPath(out, container) === undefined) setPath(out, container, {});
        setPath(out, r.to, items);
        continue;
      }
    }
    const text = forwardLeaf(r, value, { field: r.field, path, pointer, fail });
    const badXml = firstNonXmlChar(text);
    if (badXml !== undefined) fail(`contains ${describeChar(badXml)}, which XML cannot carry`);
    if (spec.charset === 'gbk') {
      const badGbk = firstNonGbkChar(text);
      if (badGbk !== undefined) fail(`contains ${describeChar(badGbk)}, which GBK cannot encode (${spec.name} is GBK)`);
    }
    setPath(out, r.to, text);
  }
}

function forwardLeaf(r: CompiledRule, value: unknown, ctx: ConversionContext): string {
  switch (r.kind) {
    case 'string':
      return typeof value === 'string' ? value : ctx.fail(`${showValue(value)} is not a string`);
    case 'integer':
      return Number.isSafeInteger(value) ? String(value) : ctx.fail(`${showValue(value)} is not an integer`);
    case 'decimal':
      return decimalText(value, r.scale) ?? ctx.fail(`${showValue(value)} is not a decimal${r.scale !== undefined ? ` with ${r.scale} decimals` : ''}`);
    case 'codes':
      return r.table!.code(value) ?? ctx.fail(`${showValue(value)} is not in code table ${r.table!.name}`);
    case 'date': {
      const text = typeof value === 'string' ? toNativeDate(value, r.date!) : undefined;
      const wanted = formatHasTime(r.date!) ? 'an RFC 3339 date-time with offset' : 'a date YYYY-MM-DD or an RFC 3339 date-time';
      return text ?? ctx.fail(`${showValue(value)} is not ${wanted}`);
    }
    case 'custom': {
      const text = r.custom!.toNative(value, ctx);
      if (typeof text !== 'string') throw new Error(`mapping: custom toNative of ${r.field} returned ${typeof text}, not a string`);
      return text;
    }
    default:
      throw new Error(`mapping: ${r.kind} is not a leaf`);
  }
}

/** Reads a node at a native path; an empty element on the way counts as absent. */
function readNode(native: NativeObject, path: readonly string[], base: string, field: string): NativeValue {
  let cur: NativeValue = native;
  for (let i = 0; i < path.length; i++) {
    if (cur === undefined || cur === null || cur === '') return undefined;
    if (!isPlainObject(cur)) {
      throw invalidNative(path.slice(0, i).join('.'), ptr(base, path.slice(0, i)), `${Array.isArray(cur) ? 'occurs more than once' : 'has no child elements'}; ${field} expected inside`);
    }
    cur = (cur as NativeObject)[path[i]!];
  }
  return cur;
}

function reverse(spec: CompiledSpec, rules: CompiledRule[], native: NativeObject, out: Record<string, unknown>, base: string, prefix: string): void {
  for (const r of rules) {
    if (r.when && !conditionHolds(r.when, out)) continue;
    if (r.kind === 'constant') {
      setPath(out, r.from, r.constant);
      continue;
    }
    const pointer = ptr(base, r.to);
    const path = prefix + r.from.join('.');
    const label = `${r.field} (${path})`;
    const fail = (message: string): never => {
      throw invalidNative(label, pointer, message);
    };
    if (r.kind === 'each') {
      const containerPath = r.to.slice(0, -1);
      const container = containerPath.length ? readNode(native, containerPath, base, r.field) : native;
      if (container === undefined || container === null) {
        if (r.optional) continue;
        if (containerPath.length) throw invalidNative(`${containerPath.join('.')} (${path})`, ptr(base, containerPath), `is missing from ${spec.name}`);
      }
      if (container !== undefined && container !== null && container !== '' && !isPlainObject(container)) {
        throw invalidNative(containerPath.join('.'), ptr(base, containerPath), 'is not a list element');
      }
      const items = asArray(isPlainObject(container) ? (container as NativeObject)[r.to[r.to.length - 1]!] : undefined);
      setPath(out, r.from, items.map((item, i) => {
        if (!isPlainObject(item)) throw invalidNative(`${r.field} (${path}.${i})`, `${pointer}/${i}`, 'has no child elements');
        const itemOut: Record<string, unknown> = {};
        reverse(spec, r.items!, item as NativeObject, itemOut, `${pointer}/${i}`, `${path}.${i}.`);
        return itemOut;
      }));
      continue;
    }
    const leaf = readLeaf(readNode(native, r.to, base, r.field));
    if (leaf !== undefined && 'error' in leaf) fail(leaf.error);
    if (leaf === undefined) {
      if (r.optional) continue;
      fail(`is missing from ${spec.name}`);
    }
    const { text, numeric } = leaf as { text: string; numeric: boolean };
    setPath(out, r.from, reverseLeaf(r, text, numeric, { field: r.field, path, pointer, fail }, label));
  }
}

function reverseLeaf(r: CompiledRule, text: string, numeric: boolean, ctx: ConversionContext, label: string): unknown {
  switch (r.kind) {
    case 'string':
      return text;
    case 'integer':
      return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : ctx.fail(`${showValue(text)} is not an integer`);
    case 'decimal':
      return decimalText(text, r.scale) ?? ctx.fail(`${showValue(text)} is not a decimal${r.scale !== undefined ? ` with ${r.scale} decimals` : ''}`);
    case 'codes': {
      const value = r.table!.value(text, numeric);
      if (value === undefined) throw unmappedValue(label, ctx.pointer, `code ${showValue(text)} is not in code table ${r.table!.name}`);
      return value;
    }
    case 'date':
      return fromNativeDate(text, r.date!) ?? ctx.fail(`${showValue(text)} is not a date${formatHasTime(r.date!) ? '/time' : ''} in the format ${r.date}`);
    case 'custom':
      return r.custom!.fromNative(text, ctx);
    default:
      throw new Error(`mapping: ${r.kind} is not a leaf`);
  }
}

/** Checks and compiles a spec (throws an Error when it is not well-formed); the result converts both ways. */
export function defineMapping(spec: MappingSpec): Mapping {
  const compiled = compileSpec(spec);
  return {
    name: compiled.name,
    version: compiled.version,
    toNative(json, opts = {}) {
      const base = opts.pointer ?? '';
      if (!isPlainObject(json)) throw unmappedValue(compiled.name, base, `${showValue(json)} is not an object`);
      const out: Record<string, unknown> = {};
      forward(compiled, compiled.rules, json, out, base, '');
      return out as NativeObject;
    },
    fromNative(native, opts = {}) {
      const base = opts.pointer ?? '';
      if (!isPlainObject(native)) throw invalidNative(compiled.name, base, 'is not an element tree');
      const out: Record<string, unknown> = {};
      reverse(compiled, compiled.rules, native, out, base, '');
      return out;
    },
  };
}
