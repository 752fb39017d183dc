/**
 * The end of a plain-text 公文 (importer.ts drives the parse), read from the last segment
 * backwards: 印发机关和印发日期, 抄送, 附注, 成文日期 and 发文机关署名 (版记 and the end of the
 * 主体), then the 附件说明 at the end of the body. Each scanner records what it places on the
 * ParsedText and answers where the body ends; nothing is invented.
 */
import type { WrittenDate } from './model';
import { toSimplified } from './normalize';
import { dateAtEnd, parseDate } from './numerals';
import { TAIL_WINDOW, COPY_TO_LABEL, ATTACHMENT_LABEL, NUMBERED_ITEM, isOrgan, splitList, isRecipientList } from './lexicon';
import type { ParsedText } from './parsed-text';

/**
 * 版记 and the end of the 主体, from the last segment backwards: 印发机关和印发日期, 抄送,
 * 附注, 成文日期, 发文机关署名. Each must sit right before the one after it; the first
 * segment that is none of them ends the search. Returns the first segment of the tail.
 */
export function scanTail(p: ParsedText, bodyStart: number): number {
  let i = p.segs.length - 1;
  const floor = bodyStart;
  if (i < floor) return p.segs.length;
  // 印发 (its date may stand apart: 2024年5月9日 印发)
  let k = p.segs[i]!.norm === '印发' && i - 1 >= floor && p.segs[i - 1]!.line === p.segs[i]!.line ? i - 1 : i;
  const printed = p.span(k, i);
  const d = printed.endsWith('印发') ? dateAtEnd(printed.slice(0, -2)) : undefined;
  if (d) {
    const start = p.segs[k]!.start;
    p.doc.printingDate = { text: p.text.slice(start + d.index, start + printed.length - 2).trim(), date: d.date };
    const before = printed.slice(0, d.index).trim();
    if (before && isOrgan(before)) p.doc.printingAuthority = p.text.slice(start, start + before.length);
    else if (!before && k - 1 >= floor && isOrgan(p.segs[k - 1]!.norm)) p.doc.printingAuthority = p.original(--k, k);
    if (p.doc.printingAuthority) p.normalized.printingAuthority = toSimplified(p.doc.printingAuthority);
    i = k - 1;
  }
  // 抄送: from its label to here
  for (let j = i; j >= floor && j >= i - TAIL_WINDOW; j--) {
    const label = COPY_TO_LABEL.exec(p.segs[j]!.norm);
    if (label) {
      const from = p.segs[j]!.start + label[0].length;
      const list = p.norm.slice(from, p.segs[i]!.end).replace(/\n/g, ' ');
      if (!isRecipientList(list.replace(/[。.]\s*$/, ''))) break;
      p.doc.copyTo = splitList(p.text.slice(from, p.segs[i]!.end), list);
      p.normalized.copyTo = p.doc.copyTo.map(toSimplified);
      i = j - 1;
      break;
    }
    if (parseDate(p.segs[j]!.norm)) break;
  }
  // 附注: (……) right after the date
  if (i >= floor && p.segs[i]!.norm.endsWith(')')) {
    for (let j = i; j >= floor && j >= i - 6; j--) {
      if (p.segs[j]!.norm.startsWith('(')) {
        const inner = p.original(j, i, p.segs[j]!.start + 1, p.segs[i]!.end - 1).trim();
        if (inner && j - 1 >= floor && dateSegment(p, j - 1)) {
          p.doc.note = inner;
          i = j - 1;
        }
        break;
      }
    }
  }
  // 成文日期 (alone, or after the 署名 on the same segment), then the 署名
  if (i < floor) return i + 1;
  const written = dateSegment(p, i);
  if (!written) return i + 1;
  p.doc.dateWritten = written.date;
  const authorities: string[] = [];
  if (written.organ) authorities.push(written.organ);
  let first = i;
  if (!written.organ) {
    for (let j = i - 1; j >= floor && j >= i - 5 && isOrgan(p.segs[j]!.norm); j--) {
      authorities.unshift(p.original(j, j));
      first = j;
    }
  }
  if (authorities.length) {
    p.doc.issuingAuthorities = authorities;
    p.normalized.issuingAuthorities = authorities.map(toSimplified);
  }
  return first;
}

/** A segment that is a date, or an organ's name followed by a date. */
function dateSegment(p: ParsedText, i: number): { date: WrittenDate; organ?: string } | undefined {
  const seg = p.segs[i]!;
  const alone = parseDate(seg.norm);
  if (alone) return { date: { text: p.text.slice(seg.start, seg.end), date: alone } };
  const d = dateAtEnd(seg.norm);
  if (!d || !isOrgan(seg.norm.slice(0, d.index).trim())) return undefined;
  return { date: { text: p.text.slice(seg.start + d.index, seg.end), date: d.date }, organ: p.text.slice(seg.start, seg.start + seg.norm.slice(0, d.index).trim().length) };
}

/** 附件说明: the last 附件： segment of the body, with its (numbered) items to the body's end. Returns where the body ends. */
export function scanAttachmentNote(p: ParsedText, from: number, to: number): number {
  for (let i = to - 1; i >= from && i >= to - TAIL_WINDOW * 4; i--) {
    const label = ATTACHMENT_LABEL.exec(p.segs[i]!.norm);
    if (!label) continue;
    const items: { number?: number; name: string }[] = [];
    let item: { number?: number; name: string } | undefined;
    for (let j = i; j < to; j++) {
      const s = p.segs[j]!;
      const skip = j === i ? label[0].length : 0;
      const rest = s.norm.slice(skip);
      const numbered = NUMBERED_ITEM.exec(rest);
      const piece = p.text.slice(s.start + skip + (numbered ? numbered[0].length : 0), s.end);
      if (/[。;]/.test(rest)) return to; // a sentence: body text, not a list of attachments
      if (numbered || !item) {
        item = numbered ? { number: Number(numbered[1]), name: piece } : { name: piece };
        items.push(item);
      } else {
        item.name += (s.line === p.segs[j - 1]!.line ? p.text.slice(p.segs[j - 1]!.end, s.start) : '') + piece;
      }
    }
    const named = items.filter((it) => it.name.trim() !== '');
    if (named.length) p.doc.attachmentNote = { text: p.text.slice(p.segs[i]!.start, p.segs[to - 1]!.end), items: named };
    return named.length ? i : to;
  }
  return to;
}
