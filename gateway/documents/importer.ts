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
import { DOCUMENT_KINDS, ELEMENTS, type DocumentElement, type DocumentKind, type DocumentNumber, type OfficialDocument, type WrittenDate } from './model';
import { parseSecrecyMark, refuseClassified } from './classification';
import { matchingForm, toSimplified } from './normalize';
import { dateAtEnd, parseDate } from './numerals';

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

/** One run of non-space characters: offsets into the text (= into its matching form). */
interface Seg {
  start: number;
  end: number;
  line: number;
  /** the matching form of the segment */
  norm: string;
}

const MAX_IGNORED = 50;
/** How many segments the head (before the title) and each tail element may span. */
const HEAD_WINDOW = 40;
const TAIL_WINDOW = 12;
const MAX_TITLE = 300;
const MAX_ORGAN = 60;

// ---------------------------------------------------------------- web-page noise

const NOISE_LABELS = /^(?:上一篇|下一篇|上一条|下一条|当前位置|您的位置|您当前的位置|您现在的位置|当前的位置|来源|信息来源|发布时间|发布日期|更新时间|浏览次数|访问次数|阅读次数|点击次数|点击数|浏览量|访问量|阅读量|责任编辑|编辑|网站标识码|版权所有|主办单位|承办单位|技术支持|相关链接|相关文章|相关阅读)\s{0,3}:/;
const NOISE_LINE_START = /^(?:首页|网站首页|当前位置|您的位置|您当前的位置|您现在的位置)(?:\s|>|»|›|:|$)/;
const NOISE_WORDS = ['打印本页', '关闭窗口', '【打印】', '【关闭】', '[打印]', '[关闭]', '【字体', '【字号', '字体:大', '字号:大', '分享到', '扫一扫', '返回顶部', '加入收藏', 'ICP备'];
const NOISE_SEGMENTS = new Set(['首页', '网站首页', '打印', '打印本页', '关闭', '关闭窗口', '返回顶部', '收藏', '分享', '【打印】', '【关闭】', '[打印]', '[关闭]', '通知公告', '政务公开', '>', '»', '›']);
const BREADCRUMB = new Set(['>', '»', '›']);
const NOISE_SEGMENT_START = /^(?:浏览次数|访问次数|阅读次数|点击次数|点击数|上一篇|下一篇|【字体|【字号)/;

function isNoiseLine(norm: string): boolean {
  const s = norm.trim();
  // a longer line may be a whole document run together after a breadcrumb: cut by segments instead
  if (s.length > 80) return false;
  return NOISE_LABELS.test(s) || NOISE_LINE_START.test(s) || NOISE_WORDS.some((w) => s.includes(w));
}

// ---------------------------------------------------------------- element shapes (matching form)

const KIND_SUFFIXES: readonly [string, DocumentKind][] = [
  ...DOCUMENT_KINDS.filter((k) => k.length === 2).map((k) => [k, k] as [string, DocumentKind]),
  ['令', '命令'],
  ['函', '函'],
];
/** Kinds whose titles often have no 关于 (国务院令, …公告, …会议纪要). */
const STANDALONE_KINDS: ReadonlySet<DocumentKind> = new Set(['命令', '公告', '通告', '公报', '纪要', '决议', '议案']);

const kindOf = (norm: string): DocumentKind | undefined => KIND_SUFFIXES.find(([suffix]) => norm.endsWith(suffix))?.[1];

/** 机关代字 + bracketed year + 序号 + 号, at the start of a string. Brackets: 〔〕 [] ［］ 【】 () （） ﹝﹞ 〖〗 (full-width ones are half-width here). */
const DOC_NUMBER = /^([\u4e00-\u9fff]{1,12})\s{0,2}[〔[【(﹝〖]\s{0,2}(\d{4})\s{0,2}[〕\]】)﹞〗]\s{0,2}第?\s{0,2}(\d{1,6})\s{0,2}号/;
const ISSUER_MARK = /^[\u4e00-\u9fff()]{2,40}文件$/;
/** 发文机关标志 run together with the 字号 that follows it (…文件江数据〔2025〕3号…). */
const ISSUER_MARK_BEFORE_NUMBER = /^[\u4e00-\u9fff()]{2,40}?文件(?=[\u4e00-\u9fff]{1,12}\s{0,2}[〔[【(﹝〖]\s{0,2}\d{4}\s{0,2}[〕\]】)﹞〗])/;
const URGENCY = /^(?:紧急程度\s{0,2}:?\s{0,2})?(特\s{0,2}提|特\s{0,2}急|加\s{0,2}急|平\s{0,2}急)$/;
const COPY_NUMBER = /^\d{6}$/;
const SIGNER_LABEL = /^签\s{0,2}发\s{0,2}人\s{0,2}:?\s{0,2}/;
const PERSON = /^[\u4e00-\u9fff·]{2,6}$/;
const ORGAN = /^[\u4e00-\u9fff()、]{2,60}$/;
const ORGAN_SUFFIXES = ['单位', '部门', '机构', '机关', '企业', '医院', '局', '厅', '委', '办', '室', '府', '院', '部', '署', '会', '中心', '处', '所', '站', '队', '社', '行', '组', '司', '馆', '校', '学', '公司', '集团', '街道', '乡', '镇', '村', '党委', '党组', '支部', '总队', '支队', '大队', '办事处', '管委会', '指挥部', '法院', '检察院'];
const ATTACHMENT_LABEL = /^附\s{0,2}件\s{0,2}:\s{0,2}/;
const NUMBERED_ITEM = /^(\d{1,3})\s{0,2}[.、]\s{0,2}/;
const COPY_TO_LABEL = /^抄\s{0,2}送\s{0,2}(?:机关)?\s{0,2}:\s{0,2}/;

const isOrgan = (norm: string): boolean => norm.length <= MAX_ORGAN && ORGAN.test(norm) && ORGAN_SUFFIXES.some((s) => norm.endsWith(s));

/** Splits a list of organs on 、 and , (not inside parentheses: 各县（市、区）人民政府 is one). */
function splitList(original: string, norm: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i <= norm.length; i++) {
    const c = norm[i];
    if (c === '(' || c === '【' || c === '《') depth++;
    else if ((c === ')' || c === '】' || c === '》') && depth > 0) depth--;
    else if (i === norm.length || (depth === 0 && (c === '、' || c === ',' || c === ';'))) {
      const item = original.slice(from, i).replace(/\s+/g, '').replace(/[。.]$/, '');
      if (item) out.push(item);
      from = i + 1;
    }
  }
  return out;
}

/** A 主送 / 抄送 list: organs separated by 、 or ,; no sentence. */
function isRecipientList(norm: string): boolean {
  if (norm.length === 0 || norm.length > 400 || /[。:!?]|如下|现将|现就/.test(norm)) return false;
  const items = splitList(norm, norm);
  return items.length > 0 && items.length <= 60 && items.every(isOrgan);
}

function documentNumberOf(original: string, m: RegExpExecArray): DocumentNumber {
  const agencyCode = original.slice(0, m[1]!.length);
  const year = Number(m[2]);
  const serial = Number(m[3]);
  return { text: original.slice(0, m[0].length), normalized: `${toSimplified(agencyCode)}〔${year}〕${serial}号`, agencyCode, year, serial };
}

// ---------------------------------------------------------------- the parse

class Parse {
  readonly doc: OfficialDocument = {};
  readonly normalized: NormalizedDocument = {};
  readonly ignored: string[] = [];
  readonly segs: Seg[] = [];

  constructor(
    readonly text: string,
    readonly norm: string,
  ) {}

  /** The original text of segments a..b (inclusive): spaces kept within a line, line breaks dropped. */
  original(a: number, b: number, fromOffset = this.segs[a]!.start, toOffset = this.segs[b]!.end): string {
    let out = '';
    for (let i = a; i <= b; i++) {
      const s = this.segs[i]!;
      const start = i === a ? fromOffset : s.start;
      const end = i === b ? toOffset : s.end;
      if (i > a) out += s.line === this.segs[i - 1]!.line ? this.text.slice(this.segs[i - 1]!.end, s.start) : '';
      out += this.text.slice(start, end);
    }
    return out;
  }

  /** The matching form of segments a..b with the spaces between them (a span on one line). */
  span(a: number, b: number): string {
    return this.norm.slice(this.segs[a]!.start, this.segs[b]!.end);
  }

  ignore(s: string): void {
    if (this.ignored.length < MAX_IGNORED) this.ignored.push(s.length > 200 ? `${s.slice(0, 200)}…` : s);
  }

  /** Lines → segments, dropping web-page noise (whole lines, and noise segments in run-together text). */
  cut(): void {
    let line = 0;
    let lineStart = 0;
    const text = this.norm;
    while (lineStart <= text.length) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = text.length;
      const lineNorm = text.slice(lineStart, lineEnd);
      if (isNoiseLine(lineNorm)) this.ignore(this.text.slice(lineStart, lineEnd).trim());
      else this.cutLine(lineNorm, lineStart, line);
      line++;
      lineStart = lineEnd + 1;
    }
  }

  private cutLine(lineNorm: string, offset: number, line: number): void {
    const found: Seg[] = [];
    const re = /\S+/g;
    for (let m = re.exec(lineNorm); m; m = re.exec(lineNorm)) found.push({ start: offset + m.index, end: offset + m.index + m[0].length, line, norm: m[0] });
    const drop = new Array<boolean>(found.length).fill(false);
    for (let i = 0; i < found.length; i++) {
      const n = found[i]!.norm;
      if (BREADCRUMB.has(n)) {
        drop[i] = true;
        if (i > 0) drop[i - 1] = true;
        if (i + 1 < found.length) drop[i + 1] = true;
      } else if (NOISE_SEGMENTS.has(n) || (n.length <= 40 && NOISE_SEGMENT_START.test(n))) {
        drop[i] = true;
        // 【字体:大 中 小】: up to the closing bracket
        if (n.startsWith('【') && !n.endsWith('】')) {
          for (let j = i + 1; j < found.length && j <= i + 4; j++) {
            drop[j] = true;
            if (found[j]!.norm.endsWith('】')) break;
          }
        }
      }
    }
    for (let i = 0; i < found.length; i++) {
      if (drop[i]) this.ignore(this.text.slice(found[i]!.start, found[i]!.end));
      else this.segs.push(found[i]!);
    }
  }

  /** The last segment index on the same line as `i`, at most `max` further. */
  lastOnLine(i: number, max: number): number {
    let j = i;
    while (j + 1 < this.segs.length && j - i < max && this.segs[j + 1]!.line === this.segs[i]!.line) j++;
    return j;
  }

  /** A whole-segment head element that may be spaced out (机 密 ★ 1年, 特 急): the longest span from `i` on its line that matches. */
  spaced<T>(i: number, match: (s: string) => T | undefined): { value: T; last: number } | undefined {
    for (let j = this.lastOnLine(i, 4); j >= i; j--) {
      const s = this.span(i, j);
      if (s.length > 48) continue;
      const value = match(s);
      if (value !== undefined) return { value, last: j };
    }
    return undefined;
  }

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
