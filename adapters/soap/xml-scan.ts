/**
 * A strict, bounded XML tokenizer: the safety gate in front of every parser.
 *
 * It walks the markup once and refuses what an agency message never needs and an
 * attacker always does: DOCTYPE and ENTITY declarations (billion laughs, XXE),
 * references to undeclared entities, documents nested deeper than a limit, and
 * anything that is not well-formed (mismatched or unclosed tags, a second root,
 * stray `<` or `&`). It never expands anything, so its cost is linear in the input.
 *
 * While it walks it reports every element's span (offsets into the text), which is
 * how the SOAP layer lifts the Body's request element out of an envelope
 * byte-for-byte, and it records CDATA sections so the parser can treat them as text.
 */

export type UnsafeReason = 'doctype' | 'entity' | 'too-large' | 'too-deep' | 'malformed';

/** The document was refused before any parsing: `reason` says why, the message says where. */
export class UnsafeXmlError extends Error {
  override readonly name = 'UnsafeXmlError';
  constructor(readonly reason: UnsafeReason, message: string) {
    super(message);
  }
}

/** One element as found in the text: `start` at its `<`, `end` just after its end tag's `>`. */
export interface ElementSpan {
  /** The qualified name as written, e.g. `soap:Body`. */
  qname: string;
  /** 1 for the root element. */
  depth: number;
  start: number;
  /** Just after the `>` of its start tag. */
  openEnd: number;
  end: number;
  /** The qualified name of the parent element, null for the root. */
  parent: string | null;
}

export interface ScanResult {
  root: ElementSpan;
  /** Spans of CDATA sections: [start of `<![CDATA[`, end after `]]>`]. */
  cdata: Array<[number, number]>;
}

const NAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*/y;
const ENTITY_REF = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;

/** Is the code point a legal XML 1.0 character? */
export const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

const lineCol = (text: string, at: number): string => {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `line ${line}, column ${at - before.lastIndexOf('\n')}`;
};

/**
 * Scans `text` (already decoded) and throws UnsafeXmlError on the first problem.
 * `onElement` is called when each element closes.
 */
/** A character XML 1.0 does not allow (control characters other than tab, LF, CR; lone surrogates; U+FFFE/FFFF). */
const NON_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function scanXml(text: string, maxDepth: number, onElement?: (span: ElementSpan) => void): ScanResult {
  const fail = (reason: UnsafeReason, what: string, at: number): never => {
    throw new UnsafeXmlError(reason, `${what} (${lineCol(text, at)})`);
  };
  const stack: Array<{ qname: string; start: number; openEnd: number }> = [];
  const cdata: Array<[number, number]> = [];
  let root: ElementSpan | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  /** Character data (or an attribute value) from `from` to `to`: entity references checked. */
  const checkText = (from: number, to: number, where: 'content' | 'attribute'): void => {
    NON_XML_CHAR.lastIndex = from;
    const raw = NON_XML_CHAR.exec(text);
    if (raw && raw.index < to) fail('malformed', `character U+${raw[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, raw.index);
    for (let k = text.indexOf('&', from); k !== -1 && k < to; k = text.indexOf('&', k + 1)) {
      ENTITY_REF.lastIndex = k;
      const m = ENTITY_REF.exec(text);
      if (!m) {
        const named = /^&([A-Za-z_][\w.-]*);/.exec(text.slice(k, k + 64));
        if (named) fail('entity', `reference to undeclared entity &${named[1]}; is not allowed`, k);
        fail('malformed', 'a bare "&" must be written &amp;', k);
      } else if (!m[1]) {
        const cp = m[2] !== undefined ? Number(m[2]) : parseInt(m[3]!, 16);
        if (!isXmlChar(cp)) fail('malformed', `character reference ${m[0]} is not a legal XML character`, k);
      }
    }
    if (where === 'attribute') return;
    if (stack.length === 0 && /\S/.test(text.slice(from, to))) fail('malformed', 'text outside the root element', from);
    if (text.slice(from, to).includes(']]>')) fail('malformed', '"]]>" is not allowed in text', from);
  };

  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const segmentEnd = lt === -1 ? text.length : lt;
    if (segmentEnd > i) checkText(i, segmentEnd, 'content');
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) fail('malformed', 'unclosed comment', i);
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('malformed', 'CDATA outside the root element', i);
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) fail('malformed', 'unclosed CDATA section', i);
      cdata.push([i, end + 3]);
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      const word = text.slice(i + 2, i + 10).toUpperCase();
      if (word.startsWith('DOCTYPE')) fail('doctype', 'DOCTYPE declarations are not allowed', i);
      if (word.startsWith('ENTITY')) fail('entity', 'ENTITY declarations are not allowed', i);
      fail('malformed', 'markup declarations are not allowed', i);
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) fail('malformed', 'unclosed processing instruction', i);
      const target = /^<\?([^\s?]+)/.exec(text.slice(i, i + 40))?.[1] ?? '';
      // (leading whitespace is tolerated: some agencies' servers emit a newline first)
      if (target.toLowerCase() === 'xml' && /\S/.test(text.slice(text.charCodeAt(0) === 0xfeff ? 1 : 0, i))) {
        fail('malformed', 'the XML declaration must come first', i);
      }
      i = end + 2;
    } else if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(text);
      const close = m ? text.indexOf('>', NAME.lastIndex) : -1;
      if (!m || close === -1 || /\S/.test(text.slice(NAME.lastIndex, close))) fail('malformed', 'bad end tag', i);
      const open = stack.pop();
      if (!open) fail('malformed', `end tag </${m![0]}> without a start tag`, i);
      if (open!.qname !== m![0]) fail('malformed', `end tag </${m![0]}> does not match <${open!.qname}>`, i);
      const span: ElementSpan = { qname: open!.qname, depth: stack.length + 1, start: open!.start, openEnd: open!.openEnd, end: close + 1, parent: stack.at(-1)?.qname ?? null };
      onElement?.(span);
      if (stack.length === 0) root = span;
      i = close + 1;
    } else {
      if (root) fail('malformed', 'a second root element', i);
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (!m) fail('malformed', 'a "<" that starts no tag', i);
      const qname = m![0];
      let k = NAME.lastIndex;
      // attributes: name = "value" | 'value'
      for (;;) {
        const ws = /\s*/y;
        ws.lastIndex = k;
        ws.exec(text);
        const hadSpace = ws.lastIndex > k;
        k = ws.lastIndex;
        if (text[k] === '>' || text.startsWith('/>', k)) break;
        NAME.lastIndex = k;
        const attr = hadSpace ? NAME.exec(text) : null;
        if (!attr) fail('malformed', `bad attribute in <${qname}>`, k);
        const eq = /\s*=\s*(["'])/y;
        eq.lastIndex = NAME.lastIndex;
        const q = eq.exec(text);
        if (!q) fail('malformed', `attribute ${attr![0]} has no quoted value`, k);
        const valueEnd = text.indexOf(q![1]!, eq.lastIndex);
        if (valueEnd === -1 || text.slice(eq.lastIndex, valueEnd).includes('<')) fail('malformed', `bad value of attribute ${attr![0]}`, k);
        checkText(eq.lastIndex, valueEnd, 'attribute');
        k = valueEnd + 1;
      }
      const selfClosing = text[k] === '/';
      const openEnd = k + (selfClosing ? 2 : 1);
      if (stack.length + 1 > maxDepth) fail('too-deep', `elements nested deeper than ${maxDepth} levels`, i);
      if (selfClosing) {
        const span: ElementSpan = { qname, depth: stack.length + 1, start: i, openEnd, end: openEnd, parent: stack.at(-1)?.qname ?? null };
        onElement?.(span);
        if (stack.length === 0) root = span;
      } else {
        stack.push({ qname, start: i, openEnd });
      }
      i = openEnd;
    }
  }
  if (stack.length > 0) fail('malformed', `unclosed element <${stack.at(-1)!.qname}>`, stack.at(-1)!.start);
  if (!root) fail('malformed', 'no root element', 0);
  return { root: root!, cdata };
}

/** The local part of a qualified name: `soap:Body` → `Body`. */
export const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

/** The namespace URI an element's own start tag binds to its prefix (null if it is declared further up). */
export function declaredNamespace(text: string, span: ElementSpan): string | null {
  const colon = span.qname.indexOf(':');
  const attr = colon === -1 ? 'xmlns' : `xmlns:${span.qname.slice(0, colon)}`;
  const startTag = text.slice(span.start, span.openEnd);
  const m = new RegExp(`\\s${attr.replace(/[.]/g, '\\.')}\\s*=\\s*(["'])([^"']*)\\1`).exec(startTag);
  return m ? m[2]! : null;
}
