import type { CheckLine } from '../../gateway/audit/report';
import { lineText } from '../../web/src/verify-zh';

/**
 * The lines the console would not say in Chinese (web/src/verify-zh.ts): no codes, a code
 * without a sentence (shown as the English text), or a sentence missing one of its values.
 */
export function notInChinese(lines: CheckLine[]): string[] {
  return lines
    .filter((l) => {
      const zh = lineText(l);
      return !l.said?.length || zh === l.text || !/[\u4e00-\u9fff]/.test(zh) || /\bundefined\b|\[object /.test(zh);
    })
    .map((l) => `${l.subject}: ${l.text} → ${lineText(l)}`);
}
