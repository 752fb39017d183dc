/**
 * The 版头, the title and 主送 of a plain-text 公文 (importer.ts drives the parse): 份号, 密级,
 * 紧急程度, 发文机关标志, 发文字号 and 签发人 in any order within a bounded window at the head,
 * then the title (possibly wrapped onto following lines), then a 字号 printed under it and the
 * 主送 list. Each scanner reads the segments of the text and records what it places on the
 * ParsedText; nothing is invented.
 */
import { matchingForm, toSimplified } from './normalize';
import { HEAD_WINDOW, URGENCY, COPY_NUMBER, ISSUER_MARK, ISSUER_MARK_BEFORE_NUMBER, DOC_NUMBER, SIGNER_LABEL, PERSON, isOrgan, splitList, isRecipientList, documentNumberOf } from './lexicon';
import type { ParsedText } from './parsed-text';

/**
 * 版头 then 标题: 份号, 密级, 紧急程度, 发文机关标志, 发文字号, 签发人 in any order, then the
 * title. Returns the index of the first segment after the title, or -1 when there is none
 * (then nothing before it is placed: it is all body).
 */
export function scanHead(p: ParsedText): number {
  const limit = Math.min(p.segs.length, HEAD_WINDOW);
  const unplaced: number[] = [];
  let i = 0;
  while (i < limit) {
    const seg = p.segs[i]!;
    const n = seg.norm;
    const afterHeader = p.doc.issuerMark !== undefined || p.doc.documentNumber !== undefined;
    let last: number | undefined;
    if (i === 0 && COPY_NUMBER.test(n)) {
      p.doc.copyNumber = p.original(i, i);
      last = i;
    }
    last ??= p.secrecyAt(i);
    if (last === undefined) {
      const u = p.spaced(i, (s) => URGENCY.exec(s) ?? undefined);
      if (u) {
        p.doc.urgency ??= { text: p.original(i, u.last), level: u.value[1]!.replace(/\s/g, '') as '特急' };
        last = u.last;
      }
    }
    if (last === undefined && ISSUER_MARK.test(n) && !n.includes('关于')) {
      p.doc.issuerMark ??= p.original(i, i);
      last = i;
    }
    if (last === undefined && isOrgan(n) && i + 1 < p.segs.length && DOC_NUMBER.test(p.segs[i + 1]!.norm)) {
      // 信函格式: the organ's name as the 发文机关标志, right above the 字号
      p.doc.issuerMark ??= p.original(i, i);
      last = i;
    }
    if (last !== undefined) {
      i = last + 1;
      continue;
    }
    // Within a segment: 字号, 签发人 and the title may run together.
    const end = inSegment(p, i, afterHeader);
    if (end === 'title-not-here') {
      unplaced.push(i);
      if (/[。:]/.test(n) || unplaced.length > 10) break;
      i++;
      continue;
    }
    if (typeof end === 'number') {
      for (const u of unplaced) p.ignore(p.original(u, u));
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
function inSegment(p: ParsedText, i: number, afterHeader: boolean): number | { next: number } | 'title-not-here' {
  const seg = p.segs[i]!;
  const n = seg.norm;
  let pos = 0;
  const mark = ISSUER_MARK_BEFORE_NUMBER.exec(n);
  if (mark && !mark[0].includes('关于')) {
    p.doc.issuerMark ??= p.text.slice(seg.start, seg.start + mark[0].length);
    pos = mark[0].length;
  }
  const num = DOC_NUMBER.exec(n.slice(pos));
  if (num) {
    p.doc.documentNumber ??= documentNumberOf(p.text.slice(seg.start + pos), num);
    pos += num[0].length;
    while (pos < n.length && n[pos] === ' ') pos++;
  }
  const signer = SIGNER_LABEL.exec(n.slice(pos));
  if (signer) return { next: signers(p, i, pos + signer[0].length) };
  if (pos === n.length) return { next: i + 1 };
  const rest = n.slice(pos);
  const kind = p.titleKind(rest, afterHeader || pos > 0);
  if (kind) {
    p.setTitle(p.text.slice(seg.start + pos, seg.end), kind);
    return i + 1;
  }
  // A title wrapped onto the next line(s): 关于 …… / ……的通知
  if (rest.includes('关于') && !/[:。;]/.test(rest)) {
    let joined = rest;
    for (let j = i + 1; j < p.segs.length && j <= i + 2 && p.segs[j]!.line !== p.segs[j - 1]!.line; j++) {
      joined += p.segs[j]!.norm;
      const k = p.titleKind(joined, true);
      if (k) {
        p.setTitle(p.original(i, j, seg.start + pos), k);
        return j + 1;
      }
    }
  }
  return pos > 0 ? { next: i + 1 } : 'title-not-here';
}

/** 签发人：name (、name …) and further names on the same line. Returns the next segment. */
function signers(p: ParsedText, i: number, from: number): number {
  const seg = p.segs[i]!;
  const names = splitList(p.text.slice(seg.start + from, seg.end), seg.norm.slice(from));
  let j = i + 1;
  while (j < p.segs.length && p.segs[j]!.line === seg.line && PERSON.test(p.segs[j]!.norm) && !DOC_NUMBER.test(p.segs[j]!.norm)) {
    names.push(p.original(j, j));
    j++;
  }
  if (names.length && names.every((nm) => PERSON.test(matchingForm(nm)))) p.doc.signers ??= names;
  return j;
}

/** After the title: a 字号 alone on its segment (web pages print it under the title), then 主送. Returns where the body starts (offset). */
export function scanRecipients(p: ParsedText, i: number): { seg: number; offset: number } {
  if (i < p.segs.length && !p.doc.documentNumber) {
    const s = p.segs[i]!;
    const num = DOC_NUMBER.exec(s.norm);
    if (num && num[0].length === s.norm.length) {
      p.doc.documentNumber = documentNumberOf(p.text.slice(s.start, s.end), num);
      i++;
    }
  }
  if (i >= p.segs.length) return { seg: i, offset: p.text.length };
  // 主送 may run over several segments of one line (spaces after commas) and ends with a colon.
  const first = p.segs[i]!;
  for (let j = i; j < p.segs.length && j <= i + 8 && p.segs[j]!.line === first.line; j++) {
    const joined = p.span(i, j);
    const colon = joined.indexOf(':');
    if (colon < 0) continue;
    const list = joined.slice(0, colon);
    if (!isRecipientList(list)) break;
    const original = p.text.slice(first.start, first.start + colon);
    p.doc.mainRecipients = splitList(original, list);
    p.normalized.mainRecipients = p.doc.mainRecipients.map(toSimplified);
    const offset = first.start + colon + 1;
    return offset < p.segs[j]!.end ? { seg: j, offset } : { seg: j + 1, offset: p.segs[j + 1]?.start ?? p.text.length };
  }
  return { seg: i, offset: first.start };
}
