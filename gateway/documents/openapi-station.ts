/**
 * The OpenAPI part of the exchange station (市电子公文交换站): POST /api/v1/station/packages, where
 * the station delivers an inbound 公文 (station-in.ts), and the `station` member of a receipt in the
 * document view (station-out.ts, station-receipts.ts, station-answers.ts). Merged by openapi.ts.
 */
import { str, type Json, type Op } from '../http/openapi-helpers';

/** POST /api/v1/station/packages: the exchange station delivers an inbound 公文 (station-in.ts). */
export const stationPackageOp: Op = {
  tag: 'documents',
  id: 'receiveStationPackage',
  summary: '收文 from the exchange station (市电子公文交换站): an XML package (交换包), authenticated as the station member',
  description:
    'The body is the package (adapters/docstation-xml/README.md) with the station\'s enveloped XML signature (RSA-SHA256, exclusive C14N), ' +
    'checked with the certificate configured as documents.stationCertificateFile, and the sender\'s GB/T 38540 seal over its 原文. ' +
    'On success the document is in the inbox of every 接收机关 that is a department of this gateway (待签收) and the answer is a 回执 ' +
    '(signed with the gateway\'s package key); the same package again gets its 回执 again, marked 重复. A signature or seal that does not ' +
    'verify is refused with 422 GW_ERR_STATION_PACKAGE_REFUSED and nothing is stored. Attachments (附件列表, by digest, the list the seal covers) ' +
    'are fetched from the station by SHA-256 and streamed into the attachment store, size and SM3/SHA-256 checked: other bytes refuse the package (422, ' +
    'nothing kept); a station that cannot serve them (error, timeout) gets 502 GW_ERR_AGENCY_UNAVAILABLE, nothing kept, and delivers again later.',
  body: { schema: { type: 'string' }, mediaType: 'application/xml', description: 'the signed package, UTF-8, at most 4 MiB' },
  ok: {
    200: {
      description: 'the 回执 (application/xml)',
      headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
      content: { 'application/xml': { schema: { type: 'string' } } },
    },
  },
  errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_STATION_PACKAGE_REFUSED', 'GW_ERR_ADAPTER_INVALID_NATIVE', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_DOCUMENT_CLASSIFIED', 'GW_ERR_DOCUMENT_DUPLICATE_CONFLICT', 'GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 'GW_ERR_AGENCY_UNAVAILABLE'],
};

/** A receipt's way through the station: its package, or the department's answer going back, and where the outbox stands. */
export const RECEIPT_STATION: Json = {
  type: 'object',
  required: ['packageId', 'message', 'delivery'],
  description:
    'through the exchange station: for an external addressee its package, for a 收文 that came from the station the department’s 签收 回执 / 退回 回退 going back (the latest); ' +
    'and where the outbox stands (queued, failed = retrying, dead_lettered = an admin may replay it, delivered = the station answered)',
  properties: { packageId: str('包标识 (of an answer: its 回执标识)'), message: str('the outbox message (GET /messages/{id})'), delivery: str('the message status') },
};
