/**
 * The 公文 operations and schemas of the OpenAPI document (merged by http/openapi.ts;
 * routes in documents/routes.ts). The document itself is the `official-document`
 * message-type schema (schemas/official-document.schema.json). The exchange station's parts are
 * in openapi-station.ts, the evidence bundle's in openapi-evidence.ts.
 */
import { DOCUMENT_KINDS, ELEMENTS, URGENCY_LEVELS } from './model';
import { json, nullable, page, pathParam, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';
import { outgoingLifecycle, receiptLifecycle, OUTGOING_STEPS, RECEIPT_STEPS, type DocumentStep } from './lifecycle';
import type { ErrorCode } from '../errors';
import { evidencePaths, evidenceSchemas } from './openapi-evidence';
import { RECEIPT_STATION, stationPackageOp } from './openapi-station';

/** The largest plain-text 公文 the importer takes over HTTP. */
export const IMPORT_LIMIT_BYTES = 1024 * 1024;

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
    ...workflowPaths(),
    ...attachmentPaths(),
    '/api/v1/station/packages': { post: stationPackageOp },
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
    ...workflowSchemas(),
    ...attachmentSchemas(),
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

const REQUEST_KEY = str("the caller's idempotency key for this step: the same key and body again answers the current state and changes nothing; another body gets 409", {
  pattern: '^[A-Za-z0-9._:@/-]{1,128}$',
});
const COMMENT = str('意见 (free text; enters the log only as its digest)', { minLength: 1, maxLength: 2000 });
const MEMBER = str('member (department) code', { pattern: '^[a-z][a-z0-9-]{1,31}$' });
const DATE = str('YYYY-MM-DD', { format: 'date' });

const body = (properties: Json, required: string[] = []): Json => ({
  type: 'object',
  additionalProperties: false,
  ...(required.length ? { required } : {}),
  properties: { requestKey: REQUEST_KEY, ...properties },
});

/** The body of each step (POST /api/v1/documents/{id}/{step}), checked by the route contract. */
export const STEP_BODIES: Record<DocumentStep, Json> = {
  review: body({ comment: COMMENT }),
  'sign-off': body({ comment: COMMENT }),
  register: body(
    {
      agencyCode: str('机关代字 of the 发文字号, e.g. 江住建', { pattern: '^[^\\s〔〕\\[\\]【】［］()（）0-9]{1,16}$' }),
      year: { type: 'integer', minimum: 2000, maximum: 2100, description: '年份 (default: this year, Asia/Shanghai)' },
    },
    ['agencyCode'],
  ),
  seal: body({}),
  distribute: body({}),
  'sign-for': body({ comment: COMMENT }),
  record: body({ comment: COMMENT }),
  propose: body({ comment: COMMENT }),
  approve: body({ comment: COMMENT }),
  assign: body({ assignee: str('承办人 (enters the log only as its digest)', { minLength: 1, maxLength: 64 }), deadline: DATE, comment: COMMENT }, ['assignee', 'deadline']),
  forward: body({ to: MEMBER, comment: COMMENT }, ['to']),
  complete: body({ comment: COMMENT }),
  return: body({ reason: str('退回原因 (goes back to the sender; enters the log only as its digest)', { minLength: 1, maxLength: 2000 }) }, ['reason']),
};

export const draftRequestSchema: Json = {
  type: 'object',
  additionalProperties: false,
  required: ['document', 'addressees'],
  properties: {
    document: { type: 'object', description: 'the 公文 as the official-document schema describes it (checked against it); classified ones are refused (422)' },
    addressees: {
      type: 'object',
      additionalProperties: false,
      required: ['main'],
      properties: {
        main: { type: 'array', minItems: 1, maxItems: 200, items: MEMBER, description: '主送: the departments (member codes) 分发 delivers to' },
        copy: { type: 'array', maxItems: 200, items: MEMBER, description: '抄送' },
      },
    },
    draftKey: str("the caller's idempotency key: the same key and content again answers the same document (200)", { pattern: '^[A-Za-z0-9._:@/-]{1,128}$' }),
  },
};

const ID = pathParam('id', 'document id (UUIDv7)', { type: 'string' });
const READ_ERRORS: ErrorCode[] = ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_DOCUMENT_NOT_FOUND'];

export const listOp: Op = {
  tag: 'documents',
  id: 'listDocuments',
  summary: '公文 inbox (收文) or outbox (发文) of your department; 特提/特急/加急 first, then newest',
  description: 'Auditors and supervisors list every department. `q` searches titles in simplified or traditional characters (both are matched in their simplified form).',
  params: [
    query('box', 'inbox: documents delivered to your department (one row per receipt); outbox: documents it sends', { type: 'string', enum: ['inbox', 'outbox'] }, true),
    query('status', 'the 收文 status (inbox) or the 发文 status (outbox)', { type: 'string', enum: [...new Set([...outgoingLifecycle.statuses, ...receiptLifecycle.statuses])] }),
    query('urgency', '紧急程度', { type: 'string', enum: [...URGENCY_LEVELS] }),
    query('kind', '文种', { type: 'string', enum: [...DOCUMENT_KINDS] }),
    query('sender', 'sending department (member code)', { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' }),
    query('from', 'created (inbox: delivered) on or after this day, Asia/Shanghai', { type: 'string', format: 'date' }),
    query('to', 'created (inbox: delivered) on or before this day, Asia/Shanghai', { type: 'string', format: 'date' }),
    query('q', 'words of the title (简体 or 繁體)', { type: 'string', minLength: 1, maxLength: 100 }),
    query('docNo', '发文字号, in any bracket spelling (〔〕 [] ［］ 【】 ()), e.g. 江住建发[2026]12号 finds 江住建发〔2026〕12号', { type: 'string', minLength: 4, maxLength: 60 }),
    query('after', 'the `next` cursor of the previous page', { type: 'string', maxLength: 64 }),
    query('limit', 'page size', { type: 'integer', minimum: 1, maximum: 500, default: 50 }),
  ],
  ok: { 200: json('a page of documents', ref('DocumentPage')) },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_LIST_BAD_CURSOR'],
};

function stepOp(step: DocumentStep): Op {
  const outgoing = step in OUTGOING_STEPS;
  const info = outgoing
    ? outgoingLifecycle.step(OUTGOING_STEPS[step as keyof typeof OUTGOING_STEPS])
    : receiptLifecycle.step(RECEIPT_STEPS[step as keyof typeof RECEIPT_STEPS]);
  const who = info.op === 'documents.signOff' ? 'a person with the signer role of' : 'a clerk, signer or system of';
  const errors: ErrorCode[] = ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_DOCUMENT_NOT_FOUND', 'GW_ERR_DOCUMENT_NOT_PARTY', 'GW_ERR_DOCUMENT_INVALID_TRANSITION', 'GW_ERR_DOCUMENT_DUPLICATE_CONFLICT'];
  if (step === 'forward') errors.push('GW_ERR_REGISTRY_UNKNOWN_MEMBER');
  return {
    tag: 'documents',
    id: `document${step.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`,
    summary: `${info.name} (${outgoing ? '发文' : '收文'}): ${who} the ${outgoing ? 'sending' : 'addressee'} department; allowed when ${outgoing ? 'the document' : 'its receipt'} is ${info.from.join(' or ')}`,
    params: [ID],
    body: { schema: STEP_BODIES[step], required: false },
    ok: { 200: json('the document in its new state', ref('DocumentView')) },
    errors,
  };
}

function workflowPaths(): Record<string, Record<string, Op>> {
  const steps = Object.fromEntries([...Object.keys(OUTGOING_STEPS), ...Object.keys(RECEIPT_STEPS)].map((s) => [`/api/v1/documents/{id}/${s}`, { post: stepOp(s as DocumentStep) }]));
  return {
    '/api/v1/documents': {
      post: {
        tag: 'documents',
        id: 'draftDocument',
        summary: '起草: a new 公文 of your department from JSON (clerk, signer, system)',
        body: { schema: draftRequestSchema },
        ok: { 201: json('the drafted document', ref('DocumentView')), 200: json('the same draftKey and content again: the document drafted then', ref('DocumentView')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_SCHEMA_INVALID', 'GW_ERR_DOCUMENT_CLASSIFIED', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_DOCUMENT_DUPLICATE_CONFLICT'],
      },
      get: listOp,
    },
    '/api/v1/documents/{id}': {
      get: { tag: 'documents', id: 'getDocument', summary: 'A 公文 as its sender, an addressee or an auditor sees it', params: [ID], ok: { 200: json('the document', ref('DocumentView')) }, errors: READ_ERRORS },
    },
    '/api/v1/documents/{id}/trace': {
      get: {
        tag: 'documents',
        id: 'traceDocument',
        summary: 'The route of a 公文: every step, who, when, department, signature status, log index (sender, addressees, auditors)',
        params: [ID],
        ok: { 200: json('the trace', ref('DocumentTrace')) },
        errors: READ_ERRORS,
      },
    },
    ...evidencePaths(ID, READ_ERRORS),
    ...steps,
  };
}

export function workflowSchemas(): Json {
  const receipt = {
    type: 'object',
    required: ['id', 'recipient', 'copy', 'status'],
    properties: {
      id: str('receipt id'),
      recipient: MEMBER,
      copy: { type: 'boolean', description: '抄送 (else 主送)' },
      status: { type: 'string', enum: receiptLifecycle.statuses },
      assignee: nullable(str('承办人')),
      deadline: nullable(str('办理期限 YYYY-MM-DD')),
      forwardedFrom: nullable(str('the receipt this one was 转办 from')),
      station: RECEIPT_STATION,
      createdAt: time('delivered'),
      updatedAt: time('last step'),
    },
  };
  const digest = { type: 'object', required: ['alg', 'value'], properties: { alg: { type: 'string', enum: ['sm3', 'sha256'] }, value: str('lowercase hex') } };
  return {
    DocumentDraft: draftRequestSchema,
    DocumentView: {
      type: 'object',
      required: ['id', 'sender', 'status', 'document', 'addressees', 'attachments', 'receipts', 'allowedSteps'],
      properties: {
        id: str('document id'),
        sender: MEMBER,
        status: { type: 'string', enum: outgoingLifecycle.statuses },
        urgency: nullable(str('紧急程度')),
        kind: nullable(str('文种')),
        title: nullable(str('标题')),
        documentNumber: nullable(str('发文字号 (assigned at 登记)')),
        dateWritten: nullable(str('成文日期 YYYY-MM-DD')),
        document: ref('official-document'),
        addressees: { type: 'object', properties: { main: { type: 'array', items: MEMBER }, copy: { type: 'array', items: MEMBER } } },
        seal: { type: ['object', 'null'], description: '用印: the department signature over the canonical document, and `sesSignature`: the GB/T 38540-2020 SES_Signature (DER, base64 in `der`) over SM3 of the canonical { document, attachments by digest }, verified on every read (`status` verified / invalid with `reason`; `unsupported` for non-SM2 keys)' },
        attachments: { type: 'array', items: { type: 'object', properties: { name: str('file name'), mediaType: str('media type'), size: { type: 'integer' }, digests: { type: 'array', items: digest } } } },
        receipts: { type: 'array', items: receipt, description: 'the sender and auditors see every addressee; an addressee its own' },
        allowedSteps: {
          type: 'array',
          items: { type: 'string', enum: [...Object.keys(OUTGOING_STEPS), ...Object.keys(RECEIPT_STEPS)] },
          description: 'the steps (POST /documents/{id}/{step}) you may take now: allowed by the 发文/收文 lifecycle from the current status and by your role (e.g. sign-off only for a signer of the sending department); empty for readers',
        },
        createdBy: str('who drafted'),
        createdAt: time('drafted'),
        updatedAt: time('last step'),
      },
    },
    DocumentPage: page(
      {
        type: 'object',
        required: ['id', 'status', 'sender'],
        properties: {
          id: str('document id'),
          receiptId: str('inbox: the receipt'),
          recipient: MEMBER,
          status: str('inbox: the receipt status; outbox: the document status'),
          documentStatus: { type: 'string', enum: outgoingLifecycle.statuses },
          urgency: nullable(str('紧急程度')),
          kind: nullable(str('文种')),
          title: nullable(str('标题')),
          sender: MEMBER,
          documentNumber: nullable(str('发文字号')),
          dateWritten: nullable(str('成文日期')),
          createdAt: time('created (inbox: delivered)'),
        },
      },
      'A page of documents, urgent first.',
    ),
    ...evidenceSchemas(),
    DocumentTrace: {
      type: 'object',
      required: ['id', 'sender', 'events'],
      properties: {
        id: str('document id'),
        sender: MEMBER,
        status: { type: 'string', enum: outgoingLifecycle.statuses },
        documentNumber: nullable(str('发文字号')),
        seal: { type: ['object', 'null'], description: 'the 用印 seal as in the document view, its GB/T 38540 `sesSignature` verified now (verified / invalid with `reason`)' },
        receipts: { type: 'array', items: receipt },
        events: {
          type: 'array',
          items: {
            type: 'object',
            required: ['step', 'name', 'at', 'actor', 'department', 'signature', 'logIndex'],
            properties: {
              step: str('lifecycle event; or, for a package or answer through the exchange station, the outbox’s dead_lettered / replayed (detail.via station, packageId, message, sentTo)'),
              name: str('步骤 (中文)'),
              at: time('when'),
              actor: str('member/login or member/system'),
              department: MEMBER,
              receipt: { type: ['object', 'null'], properties: { id: str('receipt id'), recipient: MEMBER } },
              detail: { type: 'object', description: 'what the step recorded (comments, 退回原因, 字号, assignee, deadline, forwarded to)' },
              signature: {
                type: 'object',
                required: ['status'],
                properties: { status: { type: 'string', enum: ['none', 'verified', 'invalid'] }, signer: MEMBER, alg: str('signature algorithm'), certificate: str('SHA-256 fingerprint of the signing certificate') },
              },
              logIndex: { type: ['integer', 'null'], minimum: 0, description: 'the step’s entry in the exchange log (of dead_lettered / replayed: the message’s entry)' },
            },
          },
        },
      },
    },
  };
}

export const uploadOp: Op = {
  tag: 'documents',
  id: 'addDocumentAttachment',
  summary: '附件: add an attachment (any Content-Type) to a draft of your department, streamed; hashed with SM3 and SHA-256, stored once per content',
  description:
    'The raw body is the file (PDF, OFD, images, anything); it is never buffered whole. Allowed while the document is drafted or reviewed (before 签发), ' +
    "so the 用印 signature covers it by digest. Over the configured limit (documents.attachmentLimitBytes) the answer is 413 and nothing is kept.",
  params: [ID, query('name', '附件 file name, e.g. 实施方案.pdf', { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^/\\\\\\u0000-\\u001f]+$' }, true)],
  body: { schema: { type: 'string', format: 'binary' }, mediaType: 'application/octet-stream', description: 'the file bytes (any Content-Type)' },
  ok: { 201: json('the attachment as the document lists it', ref('DocumentAttachment')) },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_DOCUMENT_NOT_FOUND', 'GW_ERR_DOCUMENT_INVALID_TRANSITION', 'GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE'],
};

export const downloadOp: Op = {
  tag: 'documents',
  id: 'getDocumentAttachment',
  summary: 'An attachment of a 公文, streamed (sender, addressees, auditors)',
  params: [ID, pathParam('digest', 'the SHA-256 or SM3 digest of the bytes (lowercase hex)', { type: 'string', pattern: '^[0-9a-f]{64}$' })],
  ok: {
    200: {
      description: 'the bytes, with the Content-Type given at upload; X-Digest-Sha256 and X-Digest-Sm3 name them',
      headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
      content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
    },
  },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID', 'GW_ERR_DOCUMENT_NOT_FOUND', 'GW_ERR_DOCUMENT_ATTACHMENT_NOT_FOUND', 'GW_ERR_DOCUMENT_ATTACHMENT_PRUNED', 'GW_ERR_RETENTION_ARCHIVE_UNREADABLE'],
};

export function attachmentPaths(): Record<string, Record<string, Op>> {
  return { '/api/v1/documents/{id}/attachments': { post: uploadOp }, '/api/v1/documents/{id}/attachments/{digest}': { get: downloadOp } };
}

function attachmentSchemas(): Json {
  return {
    DocumentAttachment: {
      type: 'object',
      required: ['name', 'mediaType', 'size', 'digests'],
      properties: {
        name: str('file name'),
        mediaType: str('media type as uploaded'),
        size: { type: 'integer', minimum: 0 },
        digests: { type: 'array', items: { type: 'object', required: ['alg', 'value'], properties: { alg: { type: 'string', enum: ['sm3', 'sha256'] }, value: str('lowercase hex') } } },
      },
    },
  };
}
