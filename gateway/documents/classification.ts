/**
 * 密级 (secrecy marks) in any spelling: 机密, 機密, 秘密★1年, 祕密, 绝密★长期,
 * "机 密 ★ 5年", 密级：秘密 … Classified documents (绝密/机密/秘密) never travel over
 * this gateway: every way in (the importer, the exchange) refuses them with
 * GW_ERR_DOCUMENT_CLASSIFIED. 内部 and 公开 are not classified. Pure.
 */
import { GatewayError } from '../errors';
import { matchingForm } from './normalize';

export const CLASSIFIED_LEVELS = ['绝密', '机密', '秘密'] as const;
export type SecrecyLevel = (typeof CLASSIFIED_LEVELS)[number] | '内部' | '公开';

export interface SecrecyMark {
  level: SecrecyLevel;
  /** 保密期限 as written after the level (1年, 长期 …), if any */
  period?: string;
}

const PERIOD = String.raw`(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s?(?:年|个月)|长期|启用前`;
/** On the matching form (simplified, half-width): an optional 密级 label, the level (its two characters may be spaced), an optional ★ and period. */
const MARK = new RegExp(String.raw`^(?:密\s?级\s{0,3}:?\s{0,3})?(绝\s{0,2}密|机\s{0,2}密|秘\s{0,2}密|内\s{0,2}部|公\s{0,2}开)\s{0,3}(?:[★☆*]\s{0,3}(${PERIOD}|[^\s]{0,12})|(${PERIOD}))?$`);
const MAX_MARK = 48;

/** The secrecy mark that `text` (matching form) is, and nothing else; else undefined. */
export function parseSecrecyMark(text: string): SecrecyMark | undefined {
  const s = text.trim();
  if (s.length === 0 || s.length > MAX_MARK) return undefined;
  const m = MARK.exec(s);
  if (!m) return undefined;
  const level = m[1]!.replace(/\s/g, '') as SecrecyLevel;
  const period = (m[2] ?? m[3])?.trim();
  return period ? { level, period } : { level };
}

export const isClassified = (level: string): boolean => (CLASSIFIED_LEVELS as readonly string[]).includes(level);

/** Throws GW_ERR_DOCUMENT_CLASSIFIED when the mark is 绝密, 机密 or 秘密. `written` is the mark as found. */
export function refuseClassified(mark: SecrecyMark, written: string): void {
  if (isClassified(mark.level)) {
    throw new GatewayError(
      'GW_ERR_DOCUMENT_CLASSIFIED',
      `the document is marked "${written.trim().slice(0, MAX_MARK)}" (${mark.level}): classified documents (绝密/机密/秘密) are never carried by this gateway`,
    );
  }
}

/**
 * An official-document payload from any other way in (e.g. a pushed message): its
 * `secrecy.level` and `secrecy.text`, whatever they hold, are read as marks; a
 * classified one is refused before anything else looks at the payload.
 */
export function refuseClassifiedPayload(payload: unknown): void {
  const secrecy = (payload as { secrecy?: unknown } | null)?.secrecy;
  if (secrecy === null || typeof secrecy !== 'object') return;
  for (const key of ['level', 'text'] as const) {
    const v = (secrecy as Record<string, unknown>)[key];
    if (typeof v !== 'string') continue;
    const form = matchingForm(v.slice(0, MAX_MARK * 2));
    const mark = parseSecrecyMark(form) ?? leadingClassifiedLevel(form);
    if (mark) refuseClassified(mark, v);
  }
}

/** A value that starts with a classified level in any other shape (机密（绝密期限…）, "秘密级"): refused too. */
function leadingClassifiedLevel(form: string): SecrecyMark | undefined {
  const s = form.replace(/^\s*(?:密\s?级\s{0,3}:?\s{0,3})?/, '').replace(/\s/g, '');
  const level = CLASSIFIED_LEVELS.find((l) => s.startsWith(l));
  return level ? { level } : undefined;
}
