/**
 * Defect class: untrusted text that crashes or hangs the 公文 importer (ReDoS, quadratic
 * scans). Property: for any text — random, or built from the importer's own vocabulary
 * (brackets, dates, labels, noise, marks) — importDocument returns a result or refuses a
 * classified mark, within a per-input time bound; ~1 MiB adversarial inputs stay linear.
 *
 * A catastrophic regular expression blocks its thread for good, so the importer runs in a
 * worker thread (the compiled dist/, built by the test run's global setup) that is
 * terminated at a deadline: a hang fails the test instead of stalling the run.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildDist, root } from '../support/cli';

jest.setTimeout(300_000);

/** Per input: generous for a slow shared machine, far below what backtracking needs on these sizes. */
const PER_INPUT_MS = 2_000;
/** Per ~1 MiB input: linear work takes well under a second here; a quadratic scan takes minutes. */
const PER_BIG_INPUT_MS = 20_000;

const VOCABULARY = [
  '江州市人民政府办公室', '文件', '江府办', '〔', '〕', '[', ']', '【', '】', '（', '）', '(', ')', '﹝', '2024', '18', '号', '第',
  '关于', '的通知', '的请示', '函', '令', '纪要', '：', ':', '，', '、', ',', '。', '；', '附件', '附件：', '1.', '2、', '抄送：', '印发',
  '签发人：', '张三', '特急', '特 急', '内部', '公开', '★', '1年', '二〇二四年', '十月', '九日', '2024年5月8日', '二○一五年七月二十日',
  '首页', '>', '打印本页', '【字体：大 中 小】', '浏览次数：', '上一篇：', '密级', '辦', '號', '關於', 'x', ' ', '  ', '\n', '\r\n', '\u3000', '\t', '\uFEFF',
];

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fc = require('fast-check');
const { importDocument } = require(workerData.importer);
function run(text) {
  const started = performance.now();
  try {
    const r = importDocument(text);
    if (r.report.found.length + r.report.missing.length !== 19) throw new Error('report does not cover the 19 elements');
  } catch (e) {
    if (!e || e.code !== 'GW_ERR_DOCUMENT_CLASSIFIED') throw e;
  }
  return performance.now() - started;
}
if (workerData.kind === 'property') {
  const vocabularyText = fc.array(fc.constantFrom(...workerData.vocabulary), { maxLength: 400 }).map((p) => p.join(''));
  const anyText = fc.oneof(fc.string({ maxLength: 2000, size: 'max' }), fc.string({ unit: 'binary', maxLength: 2000 }), vocabularyText);
  let slowest = 0;
  const out = fc.check(fc.property(anyText, (text) => {
    const ms = run(text);
    slowest = Math.max(slowest, ms);
    if (ms > workerData.perInputMs) throw new Error('took ' + ms.toFixed(0) + ' ms');
  }), { numRuns: workerData.numRuns });
  parentPort.postMessage({ failed: out.failed, report: out.failed ? fc.defaultReportMessage(out) : '', slowest });
} else {
  parentPort.postMessage({ ms: run(workerData.text) });
}
`;

/** Runs the worker; rejects when it has not answered by the deadline (it is then terminated). */
function inWorker<T>(data: Record<string, unknown>, deadlineMs: number): Promise<T> {
  const importer = path.join(root, 'dist', 'gateway', 'documents', 'importer.js');
  const worker = new Worker(WORKER, { eval: true, workerData: { ...data, importer } });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the importer did not finish within ${deadlineMs} ms: it hangs`));
    }, deadlineMs);
    worker.once('message', (m: T) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

beforeAll(() => buildDist());

test('no input makes it crash or hang (300 runs, 2 s each)', async () => {
  const r = await inWorker<{ failed: boolean; report: string; slowest: number }>({ kind: 'property', vocabulary: VOCABULARY, numRuns: 300, perInputMs: PER_INPUT_MS }, 300 * PER_INPUT_MS);
  expect(r.report).toBe('');
  expect(r.failed).toBe(false);
});

describe('large adversarial inputs stay linear', () => {
  const organ = '江州市人民政府办公室'.repeat(4);
  // Each ~1 MiB (the HTTP limit): long runs on the edge of the element patterns.
  const big: Record<string, string> = {
    'one segment of han characters': '江'.repeat(350_000),
    'one segment of han characters ending in a foreign one': `${'江'.repeat(350_000)}x`,
    'organ-like words ending in a foreign character': `${organ}x `.repeat(8_000),
    'organ-like lines ending in a foreign character': `${organ}x\n`.repeat(8_000),
    'an unclosed 字号 bracket, repeated': '江府办〔2024'.repeat(40_000),
    'digits and 年 without 月': '2024年'.repeat(70_000),
    'organs separated by 、 (a 主送 without its colon)': '市政府各部门、'.repeat(50_000),
    'a title-like line without its end': `关于${'江'.repeat(50)}\n`.repeat(6_000),
    'spaces between single characters': '机 '.repeat(350_000),
    'parentheses opened, never closed': '(附注'.repeat(120_000),
    'lines of noise': '首页 > 政务公开 > 通知公告\n'.repeat(30_000),
    'many short lines ending in a date': '江州市人民政府办公室\n2024年5月8日\n'.repeat(20_000),
  };
  test.each(Object.keys(big))('%s', async (name) => {
    const { ms } = await inWorker<{ ms: number }>({ kind: 'one', text: big[name] }, PER_BIG_INPUT_MS);
    expect(ms).toBeLessThan(PER_BIG_INPUT_MS);
  });
});
