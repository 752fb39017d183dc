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
 * regular expression anchored and bounded. This is the driver: the scanners of the head
 * (import-head.ts) and of the tail (import-tail.ts) fill a ParsedText (parsed-text.ts).
 */
import { ELEMENTS, type DocumentElement, type OfficialDocument } from './model';
import { parseSecrecyMark, refuseClassified } from './classification';
import { matchingForm, toSimplified } from './normalize';
import { ParsedText, type NormalizedDocument } from './parsed-text';
import { scanHead, scanRecipients } from './import-head';
import { scanAttachmentNote, scanTail } from './import-tail';

export type { NormalizedDocument };

export interface ImportReport {
  /** elements found, in GB/T 9704 order */
  found: DocumentElement[];
  /** elements the text does not hold (or the importer could not place) */
  missing: DocumentElement[];
  /** lines and segments dropped as web-page noise or not placed (at most MAX_IGNORED, each cut at 200 characters) */
  ignored: string[];
}

export interface ImportResult {
  document: OfficialDocument;
  report: ImportReport;
  normalized: NormalizedDocument;
}

/** Parses a plain-text 公文. Throws GW_ERR_DOCUMENT_CLASSIFIED for a classified one; never anything else. */
export function importDocument(input: string): ImportResult {
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const p = new ParsedText(text, matchingForm(text));
  p.cut();
  p.refuseLabelledSecrecy();

  const head = scanHead(p);
  let bodyFrom: { seg: number; offset: number };
  if (head >= 0) {
    bodyFrom = scanRecipients(p, head);
  } else {
    const seg = -1 - head;
    bodyFrom = { seg, offset: p.segs[seg]?.start ?? text.length };
  }
  // 密级 marks outside the 版头 of a text without a title: still refused
  for (let i = 0; i < Math.min(p.segs.length, 12); i++) if (p.segs[i]!.norm.length <= 48) refuseIfMark(p, i);

  const tailStart = Math.max(bodyFrom.seg, scanTail(p, bodyFrom.seg));
  const bodyEnd = scanAttachmentNote(p, bodyFrom.seg, tailStart);
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

function refuseIfMark(p: ParsedText, i: number): void {
  const hit = p.spaced(i, parseSecrecyMark);
  if (hit) refuseClassified(hit.value, p.original(i, hit.last));
}
