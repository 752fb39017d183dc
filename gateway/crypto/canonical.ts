/**
 * JSON Canonicalization Scheme (RFC 8785): object keys sorted by UTF-16 code
 * units, no insignificant white space, numbers and strings serialised as
 * ECMAScript does. Pure; shared with the offline verifier. It runs on every
 * pushed payload, so it has a fast path:
 *
 * RFC 8785's string and number forms ARE ECMAScript's JSON.stringify forms, so for
 * plain data whose object keys are in sorted order the canonical text is exactly
 * JSON.stringify's (native, ~3× faster than building the text in JS). `ordered`
 * walks the value once, checks that it is plain data, and returns it as is when
 * every object is already sorted, or a copy with the out-of-order objects rebuilt
 * in sorted key order. Anything JSON.stringify would treat differently from RFC
 * 8785 (integer-like keys, which JavaScript enumerates first; `__proto__`; objects
 * with another prototype, e.g. Date with its toJSON; functions; non-finite numbers;
 * cycles) sends the value to the plain loop (`canonicalSlow`), which also gives the
 * errors. tests/crypto/canonical-fast.test.ts checks both paths give the same text.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const plain = ordered(value, 0);
    if (plain !== NOT_PLAIN) return JSON.stringify(plain);
  }
  return canonicalSlow(value);
}

const NOT_PLAIN = Symbol('not plain');
/** Deeper than this is left to the slow path (which then reports a cycle as a stack overflow, as before). */
const MAX_DEPTH = 64;
/** Keys that JavaScript orders or treats specially: array-index-like ("0", "17") and __proto__. */
const SPECIAL_KEY = /^(?:0|[1-9]\d*)$|^__proto__$/;

/** `value` (or a copy with objects in sorted key order) when it is plain JSON data, else NOT_PLAIN. */
function ordered(value: object, depth: number): unknown {
  if (depth > MAX_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const o = orderedMember(v, depth);
      if (o === NOT_PLAIN) return NOT_PLAIN;
      if (o !== v && copy === null) copy = value.slice(0, i);
      if (copy !== null) copy.push(o);
    }
    return copy ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    // Cheap first-character test before the regex: only digits and "_" can start a special key.
    const c = k.charCodeAt(0);
    if (((c >= 48 && c <= 57) || c === 95) && SPECIAL_KEY.test(k)) return NOT_PLAIN;
    if (i > 0 && keys[i - 1]! > k) sorted = false;
  }
  if (!sorted) sortKeys(keys);
  let copy: Record<string, unknown> | null = sorted ? null : {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    const o = orderedMember(v, depth);
    if (o === NOT_PLAIN) return NOT_PLAIN;
    if (o !== v && copy === null) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = obj[keys[j]!];
    }
    if (copy !== null) copy[k] = o;
  }
  return copy ?? obj;
}

const INSERTION_SORT_MAX = 24;

/**
 * Sorts object keys by UTF-16 code units (what `<` on strings compares, and Array#sort's default)
 * in place: by insertion for the few keys of a usual object, which allocates nothing (Array#sort
 * copies into a work array on every call: ≈ 8 % of a push's allocations when it sorted here).
 */
function sortKeys(keys: string[]): void {
  if (keys.length > INSERTION_SORT_MAX) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

function orderedMember(v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined': // skipped in objects, null in arrays: the same in both paths
      return v;
    case 'number':
      return Number.isFinite(v) ? v : NOT_PLAIN;
    case 'object':
      return v === null ? v : ordered(v, depth + 1);
    default:
      return NOT_PLAIN;
  }
}

/** The reference implementation: plain loops, any value; throws on what JSON cannot hold. */
export function canonicalSlow(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold NaN or Infinity');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i) s += ',';
          const v: unknown = value[i];
          s += v === undefined ? 'null' : canonicalSlow(v);
        }
        return s + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      // Parsed JSON is often already in order; sort (by UTF-16 code units) only when needed.
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1] > keys[i]) {
          keys.sort();
          break;
        }
      }
      let s = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += JSON.stringify(k) + ':' + canonicalSlow(v);
      }
      return s + '}';
    }
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}
