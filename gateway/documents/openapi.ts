/**
 * The 公文 operations and schemas of the OpenAPI document (merged by http/openapi.ts;
 * routes in documents/routes.ts). The document itself is the `official-document`
 * message-type schema (schemas/official-document.schema.json).
 */
import { ELEMENTS } from './model';
import { IMPORT_LIMIT_BYTES } from './routes';
import { json, ref, str, type Json, type Op } from '../http/openapi-helpers';

const EXAMPLE = [
  '江州市市场监督管理局',
  '江市监函〔2024〕7号',
  '江州市市场监督管理局关于商请共享企业登记信息的函',
  '江州市税务局：',
  '为落实“一次录入、各部门共享”要求，我局拟通过市数据交换网关向贵局推送新设立企业登记信息，请予支持。',
  '特此函达。',
  '江州市市场监督管理局',
  '二〇二四年三月十二日',
].join('\n');

export function documentPaths(): Record<string, Record<string, Op>> {
  return {
    '/api/v1/documents/import': {
      post: {
        tag: 'documents',
        id: 'importDocument',
        summary: 'Parse a plain-text 公文 into the official-document model (导入公文); clerk, signer or admin',
        description:
          `Body: the text as found (one element per line or run together, web-page noise, simplified or traditional characters), ` +
          `\`Content-Type: text/plain; charset=utf-8\` (GBK also accepted when declared), at most ${IMPORT_LIMIT_BYTES} bytes. ` +
          'Answers the elements found and those missing; nothing is invented and nothing is stored. ' +
          'A classified document (绝密/机密/秘密 in any spelling) is refused with 422 GW_ERR_DOCUMENT_CLASSIFIED.',
        body: { schema: { type: 'string', maxLength: IMPORT_LIMIT_BYTES }, mediaType: 'text/plain', examples: { letter: { summary: '一份函', value: EXAMPLE } } },
        ok: { 200: json('the parsed document with its report', ref('DocumentImport')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_DOCUMENT_CLASSIFIED', 'GW_ERR_DOCUMENT_ENCODING', 'GW_ERR_REQUEST_UNSTORABLE'],
      },
    },
  };
}

export function documentSchemas(): Json {
  const element = { type: 'string', enum: ELEMENTS.map((e) => e.element) };
  const text = (d: string) => str(d);
  return {
    DocumentImport: {
      type: 'object',
      required: ['document', 'report', 'normalized'],
      properties: {
        document: { ...ref('official-document'), description: 'the elements found, text as written' },
        report: {
          type: 'object',
          required: ['found', 'missing', 'ignored'],
          properties: {
            found: { type: 'array', items: element, description: 'elements found, in GB/T 9704 order' },
            missing: { type: 'array', items: element, description: 'elements the text does not hold' },
            ignored: { type: 'array', maxItems: 50, items: str('a line or segment dropped as web-page noise or not placed'), description: 'what was left out (the first 50)' },
          },
        },
        normalized: {
          type: 'object',
          description: 'simplified forms for matching and search; 发文字号 with 〔〕',
          properties: {
            documentNumber: text('发文字号, e.g. 江数据〔2025〕3号'),
            issuerMark: text('发文机关标志'),
            title: text('标题'),
            mainRecipients: { type: 'array', items: str('主送机关') },
            body: text('正文'),
            issuingAuthorities: { type: 'array', items: str('发文机关署名') },
            copyTo: { type: 'array', items: str('抄送机关') },
            printingAuthority: text('印发机关'),
          },
        },
      },
    },
  };
}
