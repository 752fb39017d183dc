/**
 * JSON Canonicalization Scheme (RFC 8785): object keys sorted by UTF-16 code
 * units, no insignificant white space, numbers and strings serialised as
 * ECMAScript does. Pure; shared with the offline verifier. Written as plain
 * loops: it runs on every pushed payload.
 */
export function canonicalJson(value: unknown): string {
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
          s += v === undefined ? 'null' : canonicalJson(v);
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
        s += JSON.stringify(k) + ':' + canonicalJson(v);
      }
      return s + '}';
    }
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}
