/**
 * The vocabulary the 公文 importer (importer.ts) reads with: web-page noise, 文种 by title
 * suffix, the element patterns (发文字号 in any bracket style, 紧急程度, 签发人, 附件, 抄送),
 * organ names and recipient lists, and the window sizes that keep the parse linear.
 * Pure; every regular expression anchored and bounded. All matching is on the matching
 * form (normalize.ts): simplified, half-width, same offsets as the original text.
 */
import { DOCUMENT_KINDS, type DocumentKind, type DocumentNumber } from './model';
import { matchingForm, toSimplified } from './normalize';

export const MAX_IGNORED = 50;
/** How many segments the head (before the title) and each tail element may span. */
export const HEAD_WINDOW = 40;
export const TAIL_WINDOW = 12;
export const MAX_TITLE = 300;
const MAX_ORGAN = 60;

// ---------------------------------------------------------------- web-page noise

const NOISE_LABELS = /^(?:上一篇|下一篇|上一条|下一条|当前位置|您的位置|您当前的位置|您现在的位置|当前的位置|来源|信息来源|发布时间|发布日期|更新时间|浏览次数|访问次数|阅读次数|点击次数|点击数|浏览量|访问量|阅读量|责任编辑|编辑|网站标识码|版权所有|主办单位|承办单位|技术支持|相关链接|相关文章|相关阅读)\s{0,3}:/;
const NOISE_LINE_START = /^(?:首页|网站首页|当前位置|您的位置|您当前的位置|您现在的位置)(?:\s|>|»|›|:|$)/;
const NOISE_WORDS = ['打印本页', '关闭窗口', '【打印】', '【关闭】', '[打印]', '[关闭]', '【字体', '【字号', '字体:大', '字号:大', '分享到', '扫一扫', '返回顶部', '加入收藏', 'ICP备'];
export const NOISE_SEGMENTS = new Set(['首页', '网站首页', '打印', '打印本页', '关闭', '关闭窗口', '返回顶部', '收藏', '分享', '【打印】', '【关闭】', '[打印]', '[关闭]', '通知公告', '政务公开', '>', '»', '›']);
export const BREADCRUMB = new Set(['>', '»', '›']);
export const NOISE_SEGMENT_START = /^(?:浏览次数|访问次数|阅读次数|点击次数|点击数|上一篇|下一篇|【字体|【字号)/;

export function isNoiseLine(norm: string): boolean {
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
export const STANDALONE_KINDS: ReadonlySet<DocumentKind> = new Set(['命令', '公告', '通告', '公报', '纪要', '决议', '议案']);

export const kindOf = (norm: string): DocumentKind | undefined => KIND_SUFFIXES.find(([suffix]) => norm.endsWith(suffix))?.[1];

/** 机关代字 + bracketed year + 序号 + 号, at the start of a string. Brackets: 〔〕 [] ［］ 【】 () （） ﹝﹞ 〖〗 (full-width ones are half-width here). */
export const DOC_NUMBER = /^([\u4e00-\u9fff]{1,12})\s{0,2}[〔[【(﹝〖]\s{0,2}(\d{4})\s{0,2}[〕\]】)﹞〗]\s{0,2}第?\s{0,2}(\d{1,6})\s{0,2}号/;
export const ISSUER_MARK = /^[\u4e00-\u9fff()]{2,40}文件$/;
/** 发文机关标志 run together with the 字号 that follows it (…文件江数据〔2025〕3号…). */
export const ISSUER_MARK_BEFORE_NUMBER = /^[\u4e00-\u9fff()]{2,40}?文件(?=[\u4e00-\u9fff]{1,12}\s{0,2}[〔[【(﹝〖]\s{0,2}\d{4}\s{0,2}[〕\]】)﹞〗])/;
export const URGENCY = /^(?:紧急程度\s{0,2}:?\s{0,2})?(特\s{0,2}提|特\s{0,2}急|加\s{0,2}急|平\s{0,2}急)$/;
export const COPY_NUMBER = /^\d{6}$/;
export const SIGNER_LABEL = /^签\s{0,2}发\s{0,2}人\s{0,2}:?\s{0,2}/;
export const PERSON = /^[\u4e00-\u9fff·]{2,6}$/;
const ORGAN = /^[\u4e00-\u9fff()、]{2,60}$/;
const ORGAN_SUFFIXES = ['单位', '部门', '机构', '机关', '企业', '医院', '局', '厅', '委', '办', '室', '府', '院', '部', '署', '会', '中心', '处', '所', '站', '队', '社', '行', '组', '司', '馆', '校', '学', '公司', '集团', '街道', '乡', '镇', '村', '党委', '党组', '支部', '总队', '支队', '大队', '办事处', '管委会', '指挥部', '法院', '检察院'];
export const ATTACHMENT_LABEL = /^附\s{0,2}件\s{0,2}:\s{0,2}/;
export const NUMBERED_ITEM = /^(\d{1,3})\s{0,2}[.、]\s{0,2}/;
export const COPY_TO_LABEL = /^抄\s{0,2}送\s{0,2}(?:机关)?\s{0,2}:\s{0,2}/;

export const isOrgan = (norm: string): boolean => norm.length <= MAX_ORGAN && ORGAN.test(norm) && ORGAN_SUFFIXES.some((s) => norm.endsWith(s));

/** Splits a list of organs on 、 and , (not inside parentheses: 各县（市、区）人民政府 is one). */
export function splitList(original: string, norm: string): string[] {
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
export function isRecipientList(norm: string): boolean {
  if (norm.length === 0 || norm.length > 400 || /[。:!?]|如下|现将|现就/.test(norm)) return false;
  const items = splitList(norm, norm);
  return items.length > 0 && items.length <= 60 && items.every(isOrgan);
}

export function documentNumberOf(original: string, m: RegExpExecArray): DocumentNumber {
  const agencyCode = original.slice(0, m[1]!.length);
  const year = Number(m[2]);
  const serial = Number(m[3]);
  return { text: original.slice(0, m[0].length), normalized: `${toSimplified(agencyCode)}〔${year}〕${serial}号`, agencyCode, year, serial };
}

/**
 * A 发文字号 as someone types it (any bracket 〔〕[]［］【】()（）, full- or half-width, 繁體,
 * 第…号, spaces) in the one form the gateway stores it, e.g. 江住建发〔2026〕12号; null when it is none.
 */
export function normalizedDocumentNumber(text: string): string | null {
  const t = text.trim();
  const m = DOC_NUMBER.exec(matchingForm(t));
  return m && m[0].length === t.length ? documentNumberOf(t, m).normalized : null;
}
