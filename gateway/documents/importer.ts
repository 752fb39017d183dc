/**
 * Plain-text 公文 → the document model (model.ts), as found in the wild: elements one per
 * line or run together on one line, web-page noise around them, simplified or traditional
 * characters, Arabic or Chinese-numeral dates, 发文字号 in any bracket style.
 *
 * Pure: text in, result out. Matching happens on the matching form (simplified, half-width;
 * normalize.ts), which has the same offsets as the text, so every value is cut from the
 * original. Nothing is invented: an element the text does not hold is reported missing,
 * and a 字号 cited inside the body is not the document's own. A classified mark (绝密,
 * 机密, 秘密 in any spelling) throws GW_ERR_DOCUMENT_CLASSIFIED.
 *
 * Linear: one pass to cut segments, bounded windows at the head and the tail, every
 * regular expression anchored and bounded.
 */
import { ELEMENTS, type DocumentElement, type DocumentKind, type OfficialDocument, type WrittenDate } from './model';
import { parseSecrecyMark, refuseClassified } from './classification';
import { matchingForm, toSimplified } from './normalize';
import { dateAtEnd, parseDate } from './numerals';
import {
  MAX_IGNORED,
  HEAD_WINDOW,
  TAIL_WINDOW,
  MAX_TITLE,
  STANDALONE_KINDS,
  kindOf,
  DOC_NUMBER,
  ISSUER_MARK,
  ISSUER_MARK_BEFORE_NUMBER,
  URGENCY,
  COPY_NUMBER,
  SIGNER_LABEL,
  PERSON,
  ATTACHMENT_LABEL,
  NUMBERED_ITEM,
  COPY_TO_LABEL,
  isOrgan,
  splitList,
  isRecipientList,
  documentNumberOf,
} from './lexicon';
import { SegmentedText } from './segments';

export interface ImportReport {
  /** elements found, in GB/T 9704 order */
  found: DocumentElement[];
  /** elements the text does not hold (or the importer could not place) */
  missing: DocumentElement[];
  /** lines and segments dropped as web-page noise or not placed (at most MAX_IGNORED, each cut at 200 characters) */
  ignored: string[];
}

/** Simplified forms for matching and search; the document keeps the original text. */
export interface NormalizedDocument {
  documentNumber?: string;
  issuerMark?: string;
  title?: string;
  mainRecipients?: string[];
  body?: string;
  issuingAuthorities?: string[];
  copyTo?: string[];
  printingAuthority?: string;
}

export interface ImportResult {
  document: OfficialDocument;
  report: ImportReport;
  normalized: NormalizedDocument;
}

// ---------------------------------------------------------------- the parse

/** The elements read so far, over the segments of the text. */
class Parse extends SegmentedText {
  readonly doc: OfficialDocument = {};
  readonly normalized: NormalizedDocument = {};

  /** Any segment labelled 密级 anywhere (web pages' metadata tables) must not be classified. */
  refuseLabelledSecrecy(): void {
    for (let i = 0; i < this.segs.length; i++) {
      if (!this.segs[i]!.norm.startsWith('密')) continue;
      const hit = this.spaced(i, (s) => (/^密\s{0,2}级/.test(s) ? parseSecrecyMark(s) : undefined));
      if (hit) refuseClassified(hit.value, this.original(i, hit.last));
    }
  }

  secrecyAt(i: number): number | undefined {
    const hit = this.spaced(i, parseSecrecyMark);
    if (!hit) return undefined;
    const written = this.original(i, hit.last);
    refuseClassified(hit.value, written);
    this.doc.secrecy ??= { text: written, level: hit.value.level as '内部' | '公开', ...(hit.value.period ? { period: hit.value.period } : {}) };
    return hit.last;
  }

  /** Is the text a title (ends with a 文种, no sentence punctuation)? */
  titleKind(norm: string, afterHeader: boolean): DocumentKind | undefined {
    if (norm.length < 4 || norm.length > MAX_TITLE || /[:。;!?]/.test(norm)) return undefined;
    const kind = kindOf(norm);
    if (!kind) return undefined;
    return norm.includes('关于') || afterHeader || STANDALONE_KINDS.has(kind) ? kind : undefined;
  }

  setTitle(original: string, kind: DocumentKind): void {
    this.doc.title = original;
    this.doc.kind = kind;
    this.normalized.title = toSimplified(original);
  }

  /**
   * 版头 then 标题: 份号, 密级, 紧急程度, 发文机关标志, 发文字号, 签发人 in any order, then the
   * title. Returns the index of the first segment after the title, or -1 when there is none
   * (then nothing before it is placed: it is all body).
   */
  head(): number {
    const limit = Math.min(this.segs.length, HEAD_WINDOW);
    const unplaced: number[] = [];
    let i = 0;
    while (i < limit) {
      const seg = this.segs[i]!;
      const n = seg.norm;
      const afterHeader = this.doc.issuerMark !== undefined || this.doc.documentNumber !== undefined;
      let last: number | undefined;
      if (i === 0 && COPY_NUMBER.test(n)) {
        this.doc.copyNumber = this.original(i, i);
        last = i;
      }
      last ??= this.secrecyAt(i);
      if (last === undefined) {
        const u = this.spaced(i, (s) => URGENCY.exec(s) ?? undefined);
        if (u) {
          this.doc.urgency ??= { text: this.original(i, u.last), level: u.value[1]!.replace(/\s/g, '') as '特急' };
          last = u.last;
        }
      }
      if (last === undefined && ISSUER_MARK.test(n) && !n.includes('关于')) {
        this.doc.issuerMark ??= this.original(i, i);
        last = i;
      }
      if (last === undefined && isOrgan(n) && i + 1 < this.segs.length && DOC_NUMBER.test(this.segs[i + 1]!.norm)) {
        // 信函格式: the organ's name as the 发文机关标志, right above the 字号
        this.doc.issuerMark ??= this.original(i, i);
        last = i;
      }
      if (last !== undefined) {
        i = last + 1;
        continue;
      }
      // Within a segment: 字号, 签发人 and the title may run together.
      const end = this.inSegment(i, afterHeader);
      if (end === 'title-not-here') {
        unplaced.push(i);
        if (/[。:]/.test(n) || unplaced.length > 10) break;
        i++;
        continue;
      }
      if (typeof end === 'number') {
        for (const u of unplaced) this.ignore(this.original(u, u));
        return end;
      }
      i = end.next;
    }
    // No title: only the 版头 elements met before the first unplaced segment stand; the rest is body.
    return -1 - (unplaced[0] ?? i);
  }

  /**
   * From the start of segment i: 字号 and 签发人 prefixes, then a title (possibly wrapped
   * onto following lines). Returns the segment after the title, {next} when the segment
   * held only 版头 elements, or 'title-not-here'.
   */
  private inSegment(i: number, afterHeader: boolean): number | { next: number } | 'title-not-here' {
    const seg = this.segs[i]!;
    const n = seg.norm;
    let pos = 0;
    const mark = ISSUER_MARK_BEFORE_NUMBER.exec(n);
    if (mark && !mark[0].includes('关于')) {
      this.doc.issuerMark ??= this.text.slice(seg.start, seg.start + mark[0].length);
      pos = mark[0].length;
    }
    const num = DOC_NUMBER.exec(n.slice(pos));
    if (num) {
      this.doc.documentNumber ??= documentNumberOf(this.text.slice(seg.start + pos), num);
      pos += num[0].length;
      while (pos < n.length && n[pos] === ' ') pos++;
    }
    const signer = SIGNER_LABEL.exec(n.slice(pos));
    if (signer) return { next: this.signers(i, pos + signer[0].length) };
    if (pos === n.length) return { next: i + 1 };
    const rest = n.slice(pos);
    const kind = this.titleKind(rest, afterHeader || pos > 0);
    if (kind) {
      this.setTitle(this.text.slice(seg.start + pos, seg.end), kind);
      return i + 1;
    }
    // A title wrapped onto the next line(s): 关于 …… / ……的通知
    if (rest.includes('关于') && !/[:。;]/.test(rest)) {
      let joined = rest;
      for (let j = i + 1; j < this.segs.length && j <= i + 2 && this.segs[j]!.line !== this.segs[j - 1]!.line; j++) {
        joined += this.segs[j]!.norm;
        const k = this.titleKind(joined, true);
        if (k) {
          this.setTitle(this.original(i, j, seg.start + pos), k);
          return j + 1;
        }
      }
    }
    return pos > 0 ? { next: i + 1 } : 'title-not-here';
  }

  /** 签发人：name (、name …) and further names on the same line. Returns the next segment. */
  private signers(i: number, from: number): number {
    const seg = this.segs[i]!;
    const names = splitList(this.text.slice(seg.start + from, seg.end), seg.norm.slice(from));
    let j = i + 1;
    while (j < this.segs.length && this.segs[j]!.line === seg.line && PERSON.test(this.segs[j]!.norm) && !DOC_NUMBER.test(this.segs[j]!.norm)) {
      names.push(this.original(j, j));
      j++;
    }
    if (names.length && names.every((nm) => PERSON.test(matchingForm(nm)))) this.doc.signers ??= names;
    return j;
  }

  /** After the title: a 字号 alone on its segment (web pages print it under the title), then 主送. Returns where the body starts (offset). */
  recipients(i: number): { seg: number; offset: number } {
    if (i < this.segs.length && !this.doc.documentNumber) {
      const s = this.segs[i]!;
      const num = DOC_NUMBER.exec(s.norm);
      if (num && num[0].length === s.norm.length) {
        this.doc.documentNumber = documentNumberOf(this.text.slice(s.start, s.end), num);
        i++;
      }
    }
    if (i >= this.segs.length) return { seg: i, offset: this.text.length };
    // 主送 may run over several segments of one line (spaces after commas) and ends with a colon.
    const first = this.segs[i]!;
    for (let j = i; j < this.segs.length && j <= i + 8 && this.segs[j]!.line === first.line; j++) {
      const joined = this.span(i, j);
      const colon = joined.indexOf(':');
      if (colon < 0) continue;
      const list = joined.slice(0, colon);
      if (!isRecipientList(list)) break;
      const original = this.text.slice(first.start, first.start + colon);
      this.doc.mainRecipients = splitList(original, list);
      this.normalized.mainRecipients = this.doc.mainRecipients.map(toSimplified);
      const offset = first.start + colon + 1;
      return offset < this.segs[j]!.end ? { seg: j, offset } : { seg: j + 1, offset: this.segs[j + 1]?.start ?? this.text.length };
    }
    return { seg: i, offset: first.start };
  }

  /**
   * 版记 and the end of the 主体, from the last segment backwards: 印发机关和印发日期, 抄送,
   * 附注, 成文日期, 发文机关署名. Each must sit right before the one after it; the first
   * segment that is none of them ends the search. Returns the first segment of the tail.
   */
  tail(bodyStart: number): number {
    let i = this.segs.length - 1;
    const floor = bodyStart;
    if (i < floor) return this.segs.length;
    // 印发 (its date may stand apart: 2024年5月9日 印发)
    let k = this.segs[i]!.norm === '印发' && i - 1 >= floor && this.segs[i - 1]!.line === this.segs[i]!.line ? i - 1 : i;
    const printed = this.span(k, i);
    const d = printed.endsWith('印发') ? dateAtEnd(printed.slice(0, -2)) : undefined;
    if (d) {
      const start = this.segs[k]!.start;
      this.doc.printingDate = { text: this.text.slice(start + d.index, start + printed.length - 2).trim(), date: d.date };
      const before = printed.slice(0, d.index).trim();
      if (before && isOrgan(before)) this.doc.printingAuthority = this.text.slice(start, start + before.length);
      else if (!before && k - 1 >= floor && isOrgan(this.segs[k - 1]!.norm)) this.doc.printingAuthority = this.original(--k, k);
      if (this.doc.printingAuthority) this.normalized.printingAuthority = toSimplified(this.doc.printingAuthority);
      i = k - 1;
    }
    // 抄送: from its label to here
    for (let j = i; j >= floor && j >= i - TAIL_WINDOW; j--) {
      const label = COPY_TO_LABEL.exec(this.segs[j]!.norm);
      if (label) {
        const from = this.segs[j]!.start + label[0].length;
        const list = this.norm.slice(from, this.segs[i]!.end).replace(/\n/g, ' ');
        if (!isRecipientList(list.replace(/[。.]\s*$/, ''))) break;
        this.doc.copyTo = splitList(this.text.slice(from, this.segs[i]!.end), list);
        this.normalized.copyTo = this.doc.copyTo.map(toSimplified);
        i = j - 1;
        break;
      }
      if (parseDate(this.segs[j]!.norm)) break;
    }
    // 附注: (……) right after the date
    if (i >= floor && this.segs[i]!.norm.endsWith(')')) {
      for (let j = i; j >= floor && j >= i - 6; j--) {
        if (this.segs[j]!.norm.startsWith('(')) {
          const inner = this.original(j, i, this.segs[j]!.start + 1, this.segs[i]!.end - 1).trim();
          if (inner && j - 1 >= floor && this.dateSegment(j - 1)) {
            this.doc.note = inner;
            i = j - 1;
          }
          break;
        }
      }
    }
    // 成文日期 (alone, or after the 署名 on the same segment), then the 署名
    if (i < floor) return i + 1;
    const written = this.dateSegment(i);
    if (!written) return i + 1;
    this.doc.dateWritten = written.date;
    const authorities: string[] = [];
    if (written.organ) authorities.push(written.organ);
    let first = i;
    if (!written.organ) {
      for (let j = i - 1; j >= floor && j >= i - 5 && isOrgan(this.segs[j]!.norm); j--) {
        authorities.unshift(this.original(j, j));
        first = j;
      }
    }
    if (authorities.length) {
      this.doc.issuingAuthorities = authorities;
      this.normalized.issuingAuthorities = authorities.map(toSimplified);
    }
    return first;
  }

  /** A segment that is a date, or an organ's name followed by a date. */
  private dateSegment(i: number): { date: WrittenDate; organ?: string } | undefined {
    const seg = this.segs[i]!;
    const alone = parseDate(seg.norm);
    if (alone) return { date: { text: this.text.slice(seg.start, seg.end), date: alone } };
    const d = dateAtEnd(seg.norm);
    if (!d || !isOrgan(seg.norm.slice(0, d.index).trim())) return undefined;
    return { date: { text: this.text.slice(seg.start + d.index, seg.end), date: d.date }, organ: this.text.slice(seg.start, seg.start + seg.norm.slice(0, d.index).trim().length) };
  }

  /** 附件说明: the last 附件： segment of the body, with its (numbered) items to the body's end. Returns where the body ends. */
  attachmentNote(from: number, to: number): number {
    for (let i = to - 1; i >= from && i >= to - TAIL_WINDOW * 4; i--) {
      const label = ATTACHMENT_LABEL.exec(this.segs[i]!.norm);
      if (!label) continue;
      const items: { number?: number; name: string }[] = [];
      let item: { number?: number; name: string } | undefined;
      for (let j = i; j < to; j++) {
        const s = this.segs[j]!;
        const skip = j === i ? label[0].length : 0;
        const rest = s.norm.slice(skip);
        const numbered = NUMBERED_ITEM.exec(rest);
        const piece = this.text.slice(s.start + skip + (numbered ? numbered[0].length : 0), s.end);
        if (/[。;]/.test(rest)) return to; // a sentence: body text, not a list of attachments
        if (numbered || !item) {
          item = numbered ? { number: Number(numbered[1]), name: piece } : { name: piece };
          items.push(item);
        } else {
          item.name += (s.line === this.segs[j - 1]!.line ? this.text.slice(this.segs[j - 1]!.end, s.start) : '') + piece;
        }
      }
      const named = items.filter((it) => it.name.trim() !== '');
      if (named.length) this.doc.attachmentNote = { text: this.text.slice(this.segs[i]!.start, this.segs[to - 1]!.end), items: named };
      return named.length ? i : to;
    }
    return to;
  }
}

/** Parses a plain-text 公文. Throws GW_ERR_DOCUMENT_CLASSIFIED for a classified one; never anything else. */
export function importDocument(input: string): ImportResult {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const p = new Parse(text, matchingForm(text));
  p.cut();
  p.refuseLabelledSecrecy();

  const head = p.head();
  let bodyFrom: { seg: number; offset: number };
  if (head >= 0) {
    bodyFrom = p.recipients(head);
  } else {
    const seg = -1 - head;
    bodyFrom = { seg, offset: p.segs[seg]?.start ?? text.length };
  }
  // 密级 marks outside the 版头 of a text without a title: still refused
  for (let i = 0; i < Math.min(p.segs.length, 12); i++) if (p.segs[i]!.norm.length <= 48) refuseIfMark(p, i);

  const tailStart = Math.max(bodyFrom.seg, p.tail(bodyFrom.seg));
  const bodyEnd = p.attachmentNote(bodyFrom.seg, tailStart);
  if (bodyEnd - 1 >= bodyFrom.seg) {
    const body = text.slice(bodyFrom.offset, p.segs[bodyEnd - 1]!.end).trim();
    if (body) {
      p.doc.body = body;
      p.normalized.body = toSimplified(body);
    }
  }
  if (p.doc.issuerMark) p.normalized.issuerMark = toSimplified(p.doc.issuerMark);
  if (p.doc.documentNumber) p.normalized.documentNumber = p.doc.documentNumber.normalized;
  const normalized: NormalizedDocument = {};
  for (const { element } of ELEMENTS) if (element in p.normalized) (normalized as Record<string, unknown>)[element] = p.normalized[element as keyof NormalizedDocument];

  const document: OfficialDocument = {};
  for (const { element } of ELEMENTS) if (p.doc[element] !== undefined) (document as Record<string, unknown>)[element] = p.doc[element];
  const found = ELEMENTS.map((e) => e.element).filter((e) => document[e] !== undefined);
  const missing = ELEMENTS.map((e) => e.element).filter((e) => document[e] === undefined);
  return { document, report: { found, missing, ignored: p.ignored }, normalized };
}

function refuseIfMark(p: Parse, i: number): void {
  const hit = p.spaced(i, parseSecrecyMark);
  if (hit) refuseClassified(hit.value, p.original(i, hit.last));
}
