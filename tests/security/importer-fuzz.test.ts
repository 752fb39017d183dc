/**
 * Defect class: untrusted text that crashes or hangs the 公文 importer (ReDoS, quadratic
 * scans). Property: for any text — random, or built from the importer's own vocabulary
 * (brackets, dates, labels, noise, marks) — importDocument returns a result or refuses a
 * classified mark, within a per-input time bound; large adversarial inputs stay linear.
 */
import fc from 'fast-check';
import { importDocument } from '../../gateway/documents/importer';
import { matchingForm } from '../../gateway/documents/normalize';
import { GatewayError } from '../../gateway/errors';

jest.setTimeout(180_000);

/** Per input: generous for a slow shared machine, far below what a backtracking regex needs on these sizes. */
const PER_INPUT_MS = 2_000;

const VOCABULARY = [
  '江州市人民政府办公室', '文件', '江府办', '〔', '〕', '[', ']', '【', '】', '（', '）', '(', ')', '﹝', '2024', '18', '号', '第',
  '关于', '的通知', '的请示', '函', '令', '纪要', '：', ':', '，', '、', ',', '。', '；', '附件', '附件：', '1.', '2、', '抄送：', '印发',
  '签发人：', '张三', '特急', '特 急', '内部', '公开', '★', '1年', '二〇二四年', '十月', '九日', '2024年5月8日', '二○一五年七月二十日',
  '首页', '>', '打印本页', '【字体：大 中 小】', '浏览次数：', '上一篇：', '密级', '辦', '號', '關於', ' ', '  ', '\n', '\r\n', '\u3000', '\t', '\uFEFF',
];
const vocabularyText = fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 400 }).map((parts) => parts.join(''));
const anyText = fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 2000 }), vocabularyText);

function run(text: string): void {
  const started = performance.now();
  try {
    const r = importDocument(text);
    expect(r.report.found.length + r.report.missing.length).toBe(19);
  } catch (e) {
    if (!(e instanceof GatewayError) || e.code !== 'GW_ERR_DOCUMENT_CLASSIFIED') throw e;
  }
  const ms = performance.now() - started;
  if (ms > PER_INPUT_MS) throw new Error(`took ${ms.toFixed(0)} ms on ${JSON.stringify(text.slice(0, 200))}…`);
}

test('no input makes it crash or hang (300 runs, 2 s each)', () => {
  fc.assert(fc.property(anyText, run), { numRuns: 300 });
});

test('the matching form keeps every offset (same length as the text)', () => {
  fc.assert(fc.property(anyText, (text) => matchingForm(text).length === text.length), { numRuns: 300 });
});

describe('large adversarial inputs stay linear', () => {
  // Each ~1 MiB (the HTTP limit): long runs that sit on the edge of the element patterns.
  const big: Record<string, string> = {
    'one segment of han characters': '江'.repeat(350_000),
    'an unclosed 字号 bracket, repeated': '江府办〔2024'.repeat(40_000),
    'digits and 年 without 月': '2024年'.repeat(70_000),
    'organs separated by 、 (a 主送 without its colon)': '市政府各部门、'.repeat(50_000),
    'a title-like line without its end': ('关于' + '江'.repeat(50) + '\n').repeat(6_000),
    'spaces between single characters': '机 '.repeat(350_000),
    'parentheses opened, never closed': '(附注'.repeat(120_000),
    'lines of noise': '首页 > 政务公开 > 通知公告\n'.repeat(30_000),
    'many short lines ending in a date': '江州市人民政府办公室\n2024年5月8日\n'.repeat(20_000),
  };
  test.each(Object.keys(big))('%s', (name) => {
    const text = big[name]!;
    const started = performance.now();
    run(text);
    const ms = performance.now() - started;
    // ~1 MiB in well under the bound; a quadratic scan would take minutes.
    expect({ name, ms: Math.round(ms), bound: ms < 20_000 }).toMatchObject({ name, bound: true });
  });
});
