/**
 * Plain text → segments for the 公文 importer: each run of non-space characters with its
 * offsets (the same in the original text and in its matching form, normalize.ts) and its
 * line, web-page noise dropped (whole lines, and noise segments in run-together text) and
 * kept aside as `ignored`. Linear: one pass over the lines.
 */
import { BREADCRUMB, MAX_IGNORED, NOISE_SEGMENTS, NOISE_SEGMENT_START, isNoiseLine } from './lexicon';

/** One run of non-space characters: offsets into the text (= into its matching form). */
export interface Seg {
  start: number;
  end: number;
  line: number;
  /** the matching form of the segment */
  norm: string;
}

export class SegmentedText {
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
}
