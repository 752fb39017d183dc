/**
 * Many rows' JSON texts as ONE text parameter of a batch statement: joined by ASCII RS
 * (U+001E), which JSON text never holds raw (it escapes every control character), and split
 * back into rows in SQL by `string_to_table(…, chr(30))`, zipped with the other columns by
 * `ROWS FROM`. Unlike the same texts as values inside one JSON parameter, PostgreSQL then
 * parses a jsonb column's text once (as the jsonb it is stored as, not again out of the
 * parameter) and a text column's not at all (inside JSON it was a string with every quote
 * escaped); and nothing is escaped here. Only for JSON texts: an arbitrary text (a SOAP
 * body) may hold RS and stays a value inside the JSON parameter.
 */
const RS = '\u001e';

/** Joins JSON texts in row order; a text holding RS raw is not JSON text and would split its row in two. */
export function joinJsonTexts(texts: string[], what: string): string {
  for (const t of texts) if (t.includes(RS)) throw new Error(`batch statement: a ${what} text holds U+001E raw, so it is not JSON text`);
  return texts.join(RS);
}

/** The SQL that splits a joined parameter (`$3`) back into one row per text, in order: for `ROWS FROM (…)`. */
export const splitJsonTexts = (param: string): string => `string_to_table(${param}::text, chr(30))`;
