import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { GatewayDeps } from '../deps';
import { GatewayError } from '../errors';
import { authenticate } from '../http/auth';
import { assertStorable } from '../schemas/storable';
import { allow } from '../registry/permissions';
import { decodeDeclared } from './decode';
import { importDocument } from './importer';

/** The largest plain-text 公文 the importer takes over HTTP. */
export const IMPORT_LIMIT_BYTES = 1024 * 1024;

/** Content-Type text/plain only; its charset (default UTF-8; GBK, GB2312, GB18030 too) decodes the body strictly. */
function plainText(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is('text/plain')) {
    throw new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `send the document as Content-Type: text/plain; charset=utf-8 (got ${req.get('content-type') ?? 'none'})`);
  }
  next();
}

/**
 * 公文 routes. Mounted before the API's JSON-only gate (their bodies are plain text),
 * so each route authenticates and rate-limits itself, then names its operation.
 */
export function documentRoutes(deps: Pick<GatewayDeps, 'auth'>, rateLimited: RequestHandler): Router {
  const r = Router();
  const body = express.raw({ type: () => true, limit: IMPORT_LIMIT_BYTES });

  r.post('/documents/import', authenticate(deps.auth), rateLimited, allow('documents.import'), plainText, body, (req, res) => {
    const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(req.get('content-type') ?? '')?.[1] ?? 'utf-8';
    const text = decodeDeclared(bytes, charset);
    if (text === undefined) throw new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `charset "${charset}" is not accepted; send UTF-8 (or GBK)`);
    assertStorable(text, '', 'the document text');
    const result = importDocument(text);
    req.ctx.log.info({ bytes: bytes.length, found: result.report.found.length }, 'document imported');
    res.json(result);
  });
  return r;
}
