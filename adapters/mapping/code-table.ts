/**
 * Code tables: our value ↔ the agency's code, strictly one to one (checked when the table is
 * defined), so that every code maps back to exactly the value it came from.
 */

/** A JSON scalar on our side (code table keys, conditions, constants). */
export type Scalar = string | number | boolean;

/** `{ ours: theirs }` for string values, or `[ours, theirs]` pairs for any scalar on our side (e.g. booleans). */
export type CodeTableEntries = Readonly<Record<string, string>> | ReadonlyArray<readonly [Scalar, string]>;

export class CodeTable {
  private readonly toCode = new Map<Scalar, string>();
  private readonly toValue = new Map<string, Scalar>();

  constructor(
    readonly name: string,
    entries: CodeTableEntries,
  ) {
    const pairs: ReadonlyArray<readonly [Scalar, string]> = Array.isArray(entries)
      ? (entries as ReadonlyArray<readonly [Scalar, string]>)
      : Object.entries(entries as Record<string, string>);
    if (pairs.length === 0) throw new Error(`code table ${name}: no entries`);
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`code table ${name}: each entry must be a pair [ours, theirs]`);
      const [ours, theirs] = pair;
      if (!['string', 'number', 'boolean'].includes(typeof ours)) throw new Error(`code table ${name}: our value ${String(ours)} is not a scalar`);
      if (typeof theirs !== 'string' || theirs === '') throw new Error(`code table ${name}: the code for ${JSON.stringify(ours)} must be a non-empty string`);
      if (this.toCode.has(ours)) throw new Error(`code table ${name} is not 1:1: ${JSON.stringify(ours)} appears twice`);
      if (this.toValue.has(theirs)) {
        throw new Error(
          `code table ${name} is not 1:1: code ${JSON.stringify(theirs)} is used for both ${JSON.stringify(this.toValue.get(theirs))} and ${JSON.stringify(ours)}`,
        );
      }
      this.toCode.set(ours, theirs);
      this.toValue.set(theirs, ours);
    }
  }

  /** The agency's code for our value, or undefined. */
  code(value: unknown): string | undefined {
    return this.toCode.get(value as Scalar);
  }

  /**
   * Our value for the agency's code, or undefined. `numeric`: the code arrived as a number
   * (an XML parser typed `01` as 1): it then matches the one all-digit code of that value.
   */
  value(code: string, numeric = false): Scalar | undefined {
    const exact = this.toValue.get(code);
    if (exact !== undefined || !numeric || !/^\d+$/.test(code)) return exact;
    const n = Number(code);
    const hits = [...this.toValue.keys()].filter((c) => /^\d+$/.test(c) && Number(c) === n);
    return hits.length === 1 ? this.toValue.get(hits[0]!) : undefined;
  }

  /** [ours, theirs] in definition order. */
  entries(): Array<[Scalar, string]> {
    return [...this.toCode.entries()];
  }

  /** Our values in definition order (e.g. for a JSON Schema enum). */
  values(): Scalar[] {
    return [...this.toCode.keys()];
  }
}

/** Defines a code table; throws when it is not 1:1. */
export function defineCodeTable(name: string, entries: CodeTableEntries): CodeTable {
  return new CodeTable(name, entries);
}
