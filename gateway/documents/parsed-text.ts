import type { DocumentKind, OfficialDocument } from './model';
import { parseSecrecyMark, refuseClassified } from './classification';
import { toSimplified } from './normalize';
import { MAX_TITLE, STANDALONE_KINDS, kindOf } from './lexicon';
import { SegmentedText } from './segments';

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

/**
 * A plain-text 公文 being imported: its segments (segments.ts) and the elements read so far,
 * original text and simplified forms. The scanners (import-head.ts, import-tail.ts) fill it;
 * importer.ts drives them.
 */
export class ParsedText extends SegmentedText {
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
}
