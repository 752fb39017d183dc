/**
 * Bytes of a plain-text 公文 → text, strictly: UTF-8 (with or without BOM) when the bytes
 * are valid UTF-8, else GBK (decoded as GB18030, its superset) when they are valid GBK,
 * else refused. Never U+FFFD: garbled text would be matched and passed on as if real. Pure.
 */
import { GatewayError } from '../errors';

export type TextEncoding = 'utf-8' | 'gbk';

const decodes = (bytes: Uint8Array, label: 'utf-8' | 'gb18030'): string | undefined => {
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes); // strips a BOM
  } catch {
    return undefined;
  }
};

/** Detects UTF-8 or GBK. Throws GW_ERR_DOCUMENT_ENCODING when the bytes are neither. */
export function decodeDocumentText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  const utf8 = decodes(bytes, 'utf-8');
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8' };
  const gbk = decodes(bytes, 'gb18030');
  if (gbk !== undefined) return { text: gbk, encoding: 'gbk' };
  throw new GatewayError('GW_ERR_DOCUMENT_ENCODING', 'the text is neither valid UTF-8 nor valid GBK');
}

/** Decodes bytes declared to be in `charset` (a Content-Type label), strictly. Unknown labels → undefined. */
export function decodeDeclared(bytes: Uint8Array, charset: string): string | undefined {
  const label = ({ 'utf-8': 'utf-8', utf8: 'utf-8', gbk: 'gb18030', gb2312: 'gb18030', gb18030: 'gb18030' } as const)[charset.toLowerCase()];
  if (!label) return undefined;
  const text = decodes(bytes, label);
  if (text === undefined) throw new GatewayError('GW_ERR_DOCUMENT_ENCODING', `the body is not valid ${charset.toUpperCase()}`);
  return text;
}
