/**
 * A strict, bounded XML tokenizer: the safety gate in front of every parser.
 *
 * It walks the text once, left to right, and refuses what an agency message never
 * needs and an attacker always does: DOCTYPE and ENTITY declarations (billion laughs,
 * XXE), references to undeclared entities, documents nested deeper, holding more
 * elements, attributes or text nodes, or longer names than its limits (checked as each
 * count grows, so a refusal comes early), and anything that is not well-formed
 * (mismatched or unclosed tags, a second root, stray `<` or `&`, an undeclared prefix).
 * It never expands anything and never searches past what it has to, so its cost is
 * linear in the input whatever its shape (no per-segment search that runs to the end
 * of the document: that made 1 MB of small elements take minutes).
 *
 * While it walks it reports every element's span (offsets into the text), which is
 * how the SOAP layer lifts the Body's request element out of an envelope
 * byte-for-byte, and it records CDATA sections so the parser can treat them as text.
 */

type UnsafeReason = 'doctype' | 'entity' | 'too-large' | 'too-deep' | 'too-many' | 'too-long' | 'malformed';

/** The document was refused before any parsing: `reason` says why, the message says where. */
export class UnsafeXmlError extends Error {
  override readonly name = 'UnsafeXmlError';
  constructor(readonly reason: UnsafeReason, message: string) {
    super(message);
  }
}

/** What one document may hold; every count is checked as it grows, so a refusal comes early. */
interface ScanLimits {
  /** Deepest element nesting (the root is depth 1). */
  maxDepth: number;
  /** Elements in the whole document. */
  maxElements: number;
  /** Attributes in the whole document, namespace declarations included. */
  maxAttributes: number;
  /** Attributes on one element, namespace declarations included. */
  maxAttributesPerElement: number;
  /** Text runs (whitespace between elements not counted), CDATA sections, comments and processing instructions. */
  maxTextNodes: number;
  /** Longest element or attribute name, prefix included (characters). */
  maxNameLength: number;
  /** Longest text run, CDATA section or attribute value (characters): bounds the parser's work per node. */
  maxTextLength: number;
}

/** The XML gate's limits: the scan's, and the largest document (assertSafeXml in safe-xml.ts checks it before scanning). */
export interface XmlLimits extends ScanLimits {
  /** Largest accepted document, in bytes as received (or UTF-8 bytes of the text). */
  maxBytes: number;
}

/** One element as found in the text: `start` at its `<`, `end` just after its end tag's `>`. */
export interface ElementSpan {
  /** The qualified name as written, e.g. `soap:Body`. */
  qname: string;
  /** The namespace URI its prefix (or the default namespace) is bound to; null for none. */
  ns: string | null;
  /** 1 for the root element. */
  depth: number;
  start: number;
  /** Just after the `>` of its start tag. */
  openEnd: number;
  /** At the `<` of its end tag (openEnd for an empty-element tag). */
  contentEnd: number;
  end: number;
  /** The qualified name of the parent element, null for the root. */
  parent: string | null;
}

export interface ScanResult {
  root: ElementSpan;
  /** Spans of CDATA sections: [start of `<![CDATA[`, end after `]]>`]. */
  cdata: Array<[number, number]>;
  /** What the document holds (for diagnostics and the benchmark). */
  counts: { elements: number; attributes: number; textNodes: number };
}


const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Is the code point a legal XML 1.0 character? */
const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

/** A character XML 1.0 does not allow (control characters other than tab, LF, CR; lone surrogates; U+FFFE/FFFF). */
const NON_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED = [['amp;', '&'], ['lt;', '<'], ['gt;', '>'], ['quot;', '"'], ['apos;', "'"]] as const;

/**
 * The reference starting at `k` (a `&`): the character it stands for (predefined
 * entities) or its code point (`&#1234;`, `&#x4E2D;`), and where it ends; null if it
 * is neither. Plain character comparisons: no regex per reference.
 */
function referenceAt(s: string, k: number): { end: number; char: string | null; cp: number } | null {
  if (s.charCodeAt(k + 1) !== 0x23 /* # */) {
    for (const [name, char] of PREDEFINED) if (s.startsWith(name, k + 1)) return { end: k + 1 + name.length, char, cp: char.charCodeAt(0) };
    return null;
  }
  const hex = s.charCodeAt(k + 2) === 0x78; /* x */
  const max = hex ? 6 : 7;
  const first = k + (hex ? 3 : 2);
  let j = first;
  let cp = 0;
  for (; j < s.length && j - first <= max; j++) {
    const c = s.charCodeAt(j);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && c >= 0x61 && c <= 0x66 ? c - 0x57 : hex && c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d === -1) break;
    cp = cp * (hex ? 16 : 10) + d;
  }
  if (j === first || j - first > max || s.charCodeAt(j) !== 0x3b /* ; */) return null;
  return { end: j + 1, char: null, cp };
}

/** Decodes the predefined entities and numeric character references (the scan refused anything else). */
export function decodeEntities(value: string): string {
  let at = value.indexOf('&');
  if (at === -1) return value;
  let out = value.slice(0, at);
  while (at !== -1) {
    const ref = referenceAt(value, at);
    const end = ref ? ref.end : at + 1;
    out += ref ? (ref.char ?? String.fromCodePoint(isXmlChar(ref.cp) ? ref.cp : 0xfffd)) : '&';
    at = value.indexOf('&', end);
    out += value.slice(end, at === -1 ? value.length : at);
  }
  return out;
}

const lineCol = (text: string, at: number): string => {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < at; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
};

// Character classes by UTF-16 code unit (as the previous NAME pattern: ASCII letters, `_`, and anything from U+00C0).
const isSpace = (c: number): boolean => c === 0x20 || c === 0x9 || c === 0xa || c === 0xd;
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0xc0;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x3a || c === 0xb7;

const LT = 0x3c, GT = 0x3e, AMP = 0x26, SLASH = 0x2f, EQ = 0x3d, QUOT = 0x22, APOS = 0x27, RSQB = 0x5d;

interface Open {
  qname: string;
  ns: string | null;
  start: number;
  openEnd: number;
  /** Prefixes this element bound (their bindings are popped when it closes). */
  bound: string[] | null;
}

/**
 * Scans `text` (already decoded) once, left to right, and throws UnsafeXmlError on the
 * first problem: every character is looked at a bounded number of times, so the cost is
 * linear in the input whatever its shape, and each limit is checked as its count grows.
 * Element prefixes must be declared (namespace well-formedness); each span carries the
 * namespace its element is in. `onElement` is called when each element closes.
 */
export function scanXml(text: string, limits: ScanLimits, onElement?: (span: ElementSpan) => void): ScanResult {
  const fail = (reason: UnsafeReason, what: string, at: number): never => {
    throw new UnsafeXmlError(reason, `${what} (${lineCol(text, at)})`);
  };
  const n = text.length;
  // XML allows no such character anywhere (markup, text, comments, CDATA): one pass of the regex engine.
  const bad = NON_XML_CHAR.exec(text);
  if (bad) fail('malformed', `character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, bad.index);

  const stack: Open[] = [];
  const cdata: Array<[number, number]> = [];
  /** In-scope namespace bindings: prefix ('' for the default namespace) → stack of URIs (null: undeclared). */
  const bindings = new Map<string, Array<string | null>>([['xml', [XML_NS]]]);
  let root: ElementSpan | null = null;
  let elements = 0;
  let attributes = 0;
  let textNodes = 0;
  /** Has anything but whitespace come before (the XML declaration must be first)? */
  let started = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const countNode = (at: number): void => {
    if (++textNodes > limits.maxTextNodes) fail('too-many', `more than ${limits.maxTextNodes} text nodes, CDATA sections, comments and processing instructions`, at);
  };

  /** A name at `at` (element or attribute): its end, within maxNameLength. */
  const nameEnd = (at: number, what: string): number => {
    if (at >= n || !isNameStart(text.charCodeAt(at))) return at;
    let k = at + 1;
    const limit = at + limits.maxNameLength;
    while (k < n && isNameChar(text.charCodeAt(k))) {
      if (++k > limit) fail('too-long', `${what} name longer than ${limits.maxNameLength} characters`, at);
    }
    return k;
  };

  const checkLength = (from: number, to: number, what: string): void => {
    if (to - from > limits.maxTextLength) fail('too-long', `${what} longer than ${limits.maxTextLength} characters`, from);
  };

  /** An entity or character reference at `k` (a `&`): its end. */
  const reference = (k: number): number => {
    const ref = referenceAt(text, k);
    if (!ref) {
      const named = /^&([A-Za-z_][\w.-]*);/.exec(text.slice(k, k + 64));
      if (named) fail('entity', `reference to undeclared entity &${named[1]}; is not allowed`, k);
      return fail('malformed', 'a bare "&" must be written &amp;', k);
    }
    if (ref.char === null && !isXmlChar(ref.cp)) fail('malformed', `character reference ${text.slice(k, ref.end)} is not a legal XML character`, k);
    return ref.end;
  };

  const lookup = (prefix: string): string | null | undefined => {
    const uris = bindings.get(prefix);
    return uris && uris.length ? uris[uris.length - 1] : undefined;
  };

  while (i < n) {
    // Character data up to the next markup.
    if (text.charCodeAt(i) !== LT) {
      const from = i;
      let content = false;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === LT) break;
        if (c === AMP) {
          i = reference(i) - 1;
          content = true;
        } else if (c === RSQB && text.charCodeAt(i + 1) === RSQB && text.charCodeAt(i + 2) === GT) {
          fail('malformed', '"]]>" is not allowed in text', i);
        } else if (!content && !isSpace(c)) content = true;
      }
      if (content) {
        if (stack.length === 0) fail('malformed', 'text outside the root element', from);
        countNode(from);
        checkLength(from, i, 'text');
        started = true;
      }
      continue;
    }
    const c1 = text.charCodeAt(i + 1);
    if (c1 === 0x21 /* ! */) {
      if (text.startsWith('<!--', i)) {
        countNode(i);
        const end = text.indexOf('-->', i + 4);
        if (end === -1) fail('malformed', 'unclosed comment', i);
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) fail('malformed', 'CDATA outside the root element', i);
        countNode(i);
        const end = text.indexOf(']]>', i + 9);
        if (end === -1) fail('malformed', 'unclosed CDATA section', i);
        checkLength(i + 9, end, 'CDATA section');
        cdata.push([i, end + 3]);
        i = end + 3;
      } else {
        const word = text.slice(i + 2, i + 10).toUpperCase();
        if (word.startsWith('DOCTYPE')) fail('doctype', 'DOCTYPE declarations are not allowed', i);
        if (word.startsWith('ENTITY')) fail('entity', 'ENTITY declarations are not allowed', i);
        fail('malformed', 'markup declarations are not allowed', i);
      }
      started = true;
    } else if (c1 === 0x3f /* ? */) {
      const targetEnd = nameEnd(i + 2, 'processing instruction');
      const target = text.slice(i + 2, targetEnd);
      if (target.toLowerCase() === 'xml') {
        // (leading whitespace is tolerated: some agencies' servers emit a newline first)
        if (started) fail('malformed', 'the XML declaration must come first', i);
      } else countNode(i);
      const end = text.indexOf('?>', i + 2);
      if (end === -1) fail('malformed', 'unclosed processing instruction', i);
      started = true;
      i = end + 2;
    } else if (c1 === SLASH) {
      const end = nameEnd(i + 2, 'element');
      if (end === i + 2) fail('malformed', 'bad end tag', i);
      let close = end;
      while (close < n && isSpace(text.charCodeAt(close))) close++;
      if (text.charCodeAt(close) !== GT) fail('malformed', 'bad end tag', i);
      const qname = text.slice(i + 2, end);
      const open = stack.pop();
      if (!open) return fail('malformed', `end tag </${qname}> without a start tag`, i);
      if (open.qname !== qname) fail('malformed', `end tag </${qname}> does not match <${open.qname}>`, i);
      if (open.bound) for (const p of open.bound) bindings.get(p)!.pop();
      const span: ElementSpan = { qname, ns: open.ns, depth: stack.length + 1, start: open.start, openEnd: open.openEnd, contentEnd: i, end: close + 1, parent: stack.at(-1)?.qname ?? null };
      onElement?.(span);
      if (stack.length === 0) root = span;
      i = close + 1;
    } else {
      // A start tag.
      if (root) fail('malformed', 'a second root element', i);
      const start = i;
      const end = nameEnd(i + 1, 'element');
      if (end === i + 1) fail('malformed', 'a "<" that starts no tag', i);
      const qname = text.slice(i + 1, end);
      if (++elements > limits.maxElements) fail('too-many', `more than ${limits.maxElements} elements`, i);
      if (stack.length + 1 > limits.maxDepth) fail('too-deep', `elements nested deeper than ${limits.maxDepth} levels`, i);
      let k = end;
      let own = 0;
      let bound: string[] | null = null;
      let names: Set<string> | null = null;
      let firstName: string | null = null;
      for (;;) {
        const ws = k;
        while (k < n && isSpace(text.charCodeAt(k))) k++;
        const c = text.charCodeAt(k);
        if (c === GT || (c === SLASH && text.charCodeAt(k + 1) === GT)) break;
        const attrEnd = k > ws ? nameEnd(k, 'attribute') : k;
        if (attrEnd === k) fail('malformed', `bad attribute in <${qname}>`, k);
        const attr = text.slice(k, attrEnd);
        if (++own > limits.maxAttributesPerElement) fail('too-many', `more than ${limits.maxAttributesPerElement} attributes on <${qname}>`, k);
        if (++attributes > limits.maxAttributes) fail('too-many', `more than ${limits.maxAttributes} attributes`, k);
        if (own === 1) firstName = attr;
        else {
          names ??= new Set([firstName!]);
          if (names.has(attr)) fail('malformed', `attribute ${attr} is repeated in <${qname}>`, k);
          names.add(attr);
        }
        let v = attrEnd;
        while (v < n && isSpace(text.charCodeAt(v))) v++;
        if (text.charCodeAt(v) !== EQ) fail('malformed', `attribute ${attr} has no quoted value`, k);
        v++;
        while (v < n && isSpace(text.charCodeAt(v))) v++;
        const q = text.charCodeAt(v);
        if (q !== QUOT && q !== APOS) fail('malformed', `attribute ${attr} has no quoted value`, k);
        const valueStart = v + 1;
        let e = valueStart;
        for (; e < n; e++) {
          const ch = text.charCodeAt(e);
          if (ch === q) break;
          if (ch === LT) fail('malformed', `bad value of attribute ${attr}`, k);
          if (ch === AMP) e = reference(e) - 1;
        }
        if (e >= n) fail('malformed', `bad value of attribute ${attr}`, k);
        checkLength(valueStart, e, `value of attribute ${attr}`);
        if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
          const prefix = attr === 'xmlns' ? '' : attr.slice(6);
          const uri = decodeEntities(text.slice(valueStart, e));
          if (prefix === 'xmlns' || (prefix === 'xml' && uri !== XML_NS)) fail('malformed', `the prefix ${prefix} cannot be declared`, k);
          let uris = bindings.get(prefix);
          if (!uris) bindings.set(prefix, (uris = []));
          uris.push(uri === '' ? null : uri);
          (bound ??= []).push(prefix);
        }
        k = e + 1;
      }
      const selfClosing = text.charCodeAt(k) === SLASH;
      const openEnd = k + (selfClosing ? 2 : 1);
      const colon = qname.indexOf(':');
      const prefix = colon === -1 ? '' : qname.slice(0, colon);
      const ns = lookup(prefix);
      if (colon !== -1 && !ns) fail('malformed', `the namespace prefix ${prefix} is not declared`, start);
      if (localName(qname) === '__proto__') fail('malformed', 'the element name __proto__ is not allowed', start);
      const span: Open = { qname, ns: ns ?? null, start, openEnd, bound };
      started = true;
      if (selfClosing) {
        if (bound) for (const p of bound) bindings.get(p)!.pop();
        const el: ElementSpan = { qname, ns: span.ns, depth: stack.length + 1, start, openEnd, contentEnd: openEnd, end: openEnd, parent: stack.at(-1)?.qname ?? null };
        onElement?.(el);
        if (stack.length === 0) root = el;
      } else {
        stack.push(span);
      }
      i = openEnd;
    }
  }
  if (stack.length > 0) fail('malformed', `unclosed element <${stack.at(-1)!.qname}>`, stack.at(-1)!.start);
  if (!root) fail('malformed', 'no root element', 0);
  return { root: root!, cdata, counts: { elements, attributes, textNodes } };
}

/** The local part of a qualified name: `soap:Body` → `Body`. */
export const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);
