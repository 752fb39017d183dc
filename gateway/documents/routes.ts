import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { authenticate, principalOf } from '../http/auth';
import { validateBody, validateQuery, validQuery } from '../http/validate';
import { assertStorable } from '../schemas/storable';
import { actorOf, allow, type Operation } from '../registry/permissions';
import { actorName } from '../registry/principal';
import { logNoteVkey } from '../log/note';
import { audited } from '../audit/trail';
import { buildDocumentEvidence, documentExportOutcome } from './evidence';
import type { Principal } from '../registry/principal';
import { decodeDeclared } from './decode';
import { importDocument } from './importer';
import { draftDocument, outgoingStep, receiptStep, refusingClassified, type DocumentDeps, type DraftRequest, type StepBody } from './workflow';
import { documentTrace, documentView } from './views';
import { listDocuments, type DocumentListQuery } from './lists';
import { attachBlob, checkAttachable, openAttachment, storeBlob } from './attachments';
import { outgoingLifecycle, receiptLifecycle, OUTGOING_STEPS, RECEIPT_STEPS, type DocumentStep, type OutgoingStep, type ReceiptStep } from './lifecycle';
import { draftRequestSchema, IMPORT_LIMIT_BYTES, listOp, STEP_BODIES, uploadOp } from './openapi';
import { receiveStationPackage } from './station-in';
import { PACKAGE_XML_LIMITS } from '../../adapters/docstation-xml/package';
import { fetchStationAttachment } from '../../adapters/docstation-xml/adapter';

export { IMPORT_LIMIT_BYTES };

/** Content-Type text/plain only; its charset (default UTF-8; GBK, GB2312, GB18030 too) decodes the body strictly. */
function plainText(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('text/plain')) {
    throw new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `send the document as Content-Type: text/plain; charset=utf-8 (got ${req.get('content-type') ?? 'none'})`);
  }
  next();
}

export type DocumentRouteDeps = Pick<GatewayDeps, 'auth' | 'store' | 'clock' | 'trust' | 'schemas' | 'directory' | 'adapters'> & {
  /** The outbox: woken after 分发 queued exchange-station packages. */
  delivery?: Pick<GatewayDeps['delivery'], 'wake'>;
  /** For evidence bundles: signs a checkpoint on demand, and has witnesses cosign it. */
  integrator?: Pick<GatewayDeps['integrator'], 'runOnce'>;
  witnessing?: Pick<GatewayDeps['witnessing'], 'configured' | 'submit'>;
  /** Where attachment bytes past the retention period are read back from (archive mode). */
  archive?: GatewayDeps['archive'];
  config: { trust: Pick<GatewayDeps['config']['trust'], 'logHashAlg' | 'logOrigin'>; documents: GatewayDeps['config']['documents'] };
};

const documentDeps = (deps: DocumentRouteDeps): DocumentDeps => ({
  store: deps.store,
  clock: deps.clock,
  trust: deps.trust,
  schemas: deps.schemas,
  alg: deps.config.trust.logHashAlg,
  member: (code) => deps.directory.member(code),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Document ids are UUIDs: any other path segment (`import`) is not a document route. */
const onlyUuidIds = (r: Router) => r.param('id', (_req, _res, next, id) => next(UUID.test(String(id)) ? undefined : 'route'));
const documentId = (req: Request): string => String(req.params.id).toLowerCase();

/**
 * 公文 routes with bodies that are not JSON (the plain-text import, attachments as raw
 * streams). Mounted before the API's JSON-only gate, so each route authenticates and
 * rate-limits itself, then names its operation.
 */
export function documentRoutes(deps: DocumentRouteDeps, rateLimited: RequestHandler): Router {
  const r = Router();
  const body = express.raw({ type: () => true, limit: IMPORT_LIMIT_BYTES });
  const limit = deps.config.documents.attachmentLimitBytes;
  onlyUuidIds(r);

  r.post('/documents/import', authenticate(deps.auth), rateLimited, allow('documents.import'), plainText, body, async (req, res) => {
    const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.get('content-type') ?? '')?.[1] ?? 'utf-8';
    const text = decodeDeclared(bytes, charset);
    if (text === undefined) throw new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `charset "${charset}" is not accepted; send UTF-8 (or GBK)`);
    assertStorable(text, '', 'the document text');
    const result = await refusingClassified(documentDeps(deps), principalOf(req), 'import', () => importDocument(text));
    req.ctx.log.info({ bytes: bytes.length, found: result.report.found.length }, 'document imported');
    res.json(result);
  });

  // The body streams into the database: hashed and chunked as it arrives, never held whole.
  r.post('/documents/:id/attachments', authenticate(deps.auth), rateLimited, allow('documents.draft'), validateQuery(uploadOp), async (req, res) => {
    const principal = principalOf(req);
    const id = documentId(req);
    const { name } = validQuery<{ name: string }>(req);
    const declared = Number(req.get('content-length') ?? NaN);
    if (declared > limit) {
      res.set('Connection', 'close');
      throw new GatewayError('GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE', `the attachment has ${declared} bytes; at most ${limit} are accepted (config documents.attachmentLimitBytes); nothing was stored`);
    }
    await checkAttachable(deps.store, principal, id);
    let blob;
    try {
      blob = await storeBlob(deps.store, deps.clock, req, limit);
    } catch (err) {
      res.set('Connection', 'close'); // the rest of the body is not read
      throw err;
    }
    const mediaType = (req.get('content-type') ?? 'application/octet-stream').slice(0, 255);
    const ref = await attachBlob(deps.store, deps.clock, principal, id, blob, name, mediaType);
    req.ctx.log.info({ document: id, size: blob.size, sha256: blob.sha256 }, 'attachment stored');
    res.status(201).location(`/api/v1/documents/${id}/attachments/${blob.sha256}`).json(ref);
  });

  r.get('/documents/:id/attachments/:digest', authenticate(deps.auth), rateLimited, allow('documents.read'), async (req, res) => {
    const digest = String(req.params.digest);
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      throw new GatewayError('GW_ERR_REQUEST_INVALID', 'the digest is a SHA-256 or SM3 digest in lowercase hex', { errors: [{ pointer: '/digest', message: 'pattern ^[0-9a-f]{64}$' }] });
    }
    const a = await openAttachment(deps.store, principalOf(req), documentId(req), digest, deps.archive ?? null);
    res.status(200);
    res.set({
      'Content-Type': a.mediaType,
      'Content-Length': String(a.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`,
      'X-Digest-Sha256': a.sha256,
      'X-Digest-Sm3': a.sm3,
    });
    try {
      await pipeline(Readable.from(a.chunks), res);
    } catch (err) {
      // headers are out: a problem answer is no longer possible; the client sees a cut body
      req.ctx.log.warn({ err, document: req.params.id, sha256: a.sha256 }, 'attachment download ended early');
    }
  });
  // The exchange station delivers an inbound 公文 (XML package): verified, stored as 收文, answered with a 回执.
  const stationCertificate = deps.config.documents.stationCertificateFile ? fs.readFileSync(deps.config.documents.stationCertificateFile, 'utf8') : null;
  const packageBody = express.raw({ type: () => true, limit: PACKAGE_XML_LIMITS.maxBytes });
  r.post('/station/packages', authenticate(deps.auth), rateLimited, allow('station.deliver'), packageBody, async (req, res) => {
    if (!req.is('application/xml') && !req.is('text/xml')) {
      throw new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `send the package as Content-Type: application/xml; charset=utf-8 (got ${req.get('content-type') ?? 'none'})`);
    }
    const xml = (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)).toString('utf8');
    const answer = await receiveStationPackage(documentDeps(deps), principalOf(req), xml, {
      stationCertPem: stationCertificate,
      // the sender's station binding (adapters.<sender>) says where the station serves attachments
      attachments: (sender, sha256) => fetchStationAttachment(deps.adapters.configOf(sender) ?? {}, sha256),
      attachmentLimitBytes: limit,
    });
    req.ctx.log.info({ bytes: xml.length }, 'station package received');
    res.status(200).type('application/xml; charset=utf-8').send(answer);
  });
  return r;
}

/** The 公文 workflow (JSON): draft, lists, the document, its steps and its trace. */
export function documentWorkflowRoutes(deps: DocumentRouteDeps): Router {
  const r = Router();
  const d = documentDeps(deps);
  onlyUuidIds(r);

  r.post('/documents', allow('documents.draft'), validateBody(draftRequestSchema, { detail: 'the draft is not valid' }), async (req, res) => {
    const out = await draftDocument(d, principalOf(req), req.body as DraftRequest);
    const view = await documentView(deps.store, deps.trust, principalOf(req), out.id);
    res.status(out.created ? 201 : 200).location(`/api/v1/documents/${out.id}`).json(view);
  });

  r.get('/documents', allow('documents.read'), validateQuery(listOp), async (req, res) => {
    res.json(await listDocuments(deps.store, principalOf(req), validQuery<DocumentListQuery>(req)));
  });

  r.get('/documents/:id', allow('documents.read'), async (req, res) => {
    res.json(await documentView(deps.store, deps.trust, principalOf(req), documentId(req)));
  });

  r.get('/documents/:id/trace', allow('documents.read'), async (req, res) => {
    res.json(await documentTrace(deps.store, deps.trust, principalOf(req), documentId(req)));
  });

  // The same parties as the trace; every export is on record in the signed log, like a case's.
  r.get('/documents/:id/evidence', allow('documents.read'), async (req, res) => {
    const id = documentId(req);
    const p = principalOf(req);
    const noteSigner = deps.trust.logNoteSigner;
    const source = {
      db: deps.store,
      clock: deps.clock,
      signCheckpoint: () => deps.integrator?.runOnce(true) ?? Promise.resolve(),
      ...(deps.witnessing?.configured ? { witness: (size: number) => deps.witnessing!.submit(size) } : {}),
      ...(noteSigner ? { note: { origin: deps.config.trust.logOrigin, vkey: logNoteVkey(deps.config.trust.logOrigin, noteSigner) } } : {}),
    };
    const { out: bundle, index } = await audited(deps.store, d.alg, () => deps.clock.now(), 'audit.evidence_exported', { actor: actorName(p), role: actorOf(p) }, { documentId: id }, () => buildDocumentEvidence(source, p, id), documentExportOutcome);
    req.ctx.log.info({ audit: 'evidence-export', by: actorName(p), logIndex: index, document: id, entries: bundle.entries.length }, 'document evidence bundle exported');
    res.set('Content-Disposition', `attachment; filename="evidence-document-${id}.json"`).set('Cache-Control', 'no-store').json(bundle);
  });

  // one route per step, with the permission its lifecycle row names and its own body contract
  type Take = (p: Principal, id: string, body: StepBody) => Promise<void>;
  const steps: { step: DocumentStep; op: Operation; take: Take }[] = [
    ...(Object.keys(OUTGOING_STEPS) as OutgoingStep[]).map((step) => ({ step, op: outgoingLifecycle.step(OUTGOING_STEPS[step]).op, take: ((p, id, body) => outgoingStep(d, p, id, step, body)) as Take })),
    ...(Object.keys(RECEIPT_STEPS) as ReceiptStep[]).map((step) => ({ step, op: receiptLifecycle.step(RECEIPT_STEPS[step]).op, take: ((p, id, body) => receiptStep(d, p, id, step, body)) as Take })),
  ];
  for (const { step, op, take } of steps) {
    r.post(`/documents/:id/${step}`, allow(op), validateBody(STEP_BODIES[step], { detail: `the ${step} request is not valid` }), async (req, res) => {
      const id = documentId(req);
      await take(principalOf(req), id, req.body as StepBody);
      // 分发 may queue exchange-station packages, 签收/退回 of a station 收文 its answer
      if (step === 'distribute' || step === 'sign-for' || step === 'return') deps.delivery?.wake();
      res.json(await documentView(deps.store, deps.trust, principalOf(req), id));
    });
  }
  return r;
}
