/** Scalar helpers shared by both directions: paths, conditions, decimals, native leaves. */
import type { NativeObject, NativeValue } from '../types';
import type { CompiledRule } from './define';

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a path of own properties, or undefined. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

/** Sets a value at a path, creating objects on the way (in insertion order: the native element order). */
export function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const next = cur[seg];
    if (next === undefined) cur = cur[seg] = {};
    else if (isPlainObject(next)) cur = next;
    else throw new Error(`mapping: ${path.slice(0, i + 1).join('.')} is both a value and a parent`);
  }
  cur[path[path.length - 1]!] = value;
}

/** Whether every condition of a rule holds on `obj`. */
export function conditionHolds(when: NonNullable<CompiledRule['when']>, obj: unknown): boolean {
  return when.every((c) => c.values.includes(getPath(obj, c.path) as never));
}

/**
 * Decimal text: `-?digits(.digits)?`. With a scale, exactly that many decimals (padded;
 * undefined when a dropped decimal is not zero: values are never rounded).
 */
export function decimalText(v: unknown, scale?: number): string | undefined {
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    s = String(v);
  } else if (typeof v === 'string') s = v;
  else return undefined;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return undefined;
  if (scale === undefined) return s;
  let frac = m[3] ?? '';
  if (frac.length > scale) {
    if (/[^0]/.test(frac.slice(scale))) return undefined;
    frac = frac.slice(0, scale);
  }
  return m[1]! + m[2]! + (scale > 0 ? '.' + frac.padEnd(scale, '0') : '');
}

/** A native leaf as text; `numeric` when the parser had typed it as a number. */
interface Leaf {
  text: string;
  numeric: boolean;
}

/**
 * Reads one native leaf. Undefined for absent, null or empty (`<X/>`); a string otherwise.
 * Returns an error message for what is not one text element.
 */
export function readLeaf(v: NativeValue): Leaf | undefined | { error: string } {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return { text: v, numeric: false };
  if (typeof v === 'boolean') return { text: String(v), numeric: false };
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v))) {
      return { error: 'arrived as a number that cannot be exact (parse leaves as text)' };
    }
    return { text: String(v), numeric: true };
  }
  if (Array.isArray(v)) return { error: `occurs ${v.length} times; one expected` };
  const obj = v as NativeObject;
  if (Object.hasOwn(obj, '#text')) return readLeaf(obj['#text']);
  if (Object.keys(obj).length === 0) return undefined;
  return { error: 'has child elements; text expected' };
}

/** A repeated element that occurred once may arrive as one object: always an array (empty for absent). */
export function asArray(v: NativeValue): NativeValue[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}
