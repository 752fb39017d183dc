import type { NextFunction, Request, Response } from 'express';
import { GatewayError, isGatewayError, catalogue } from '../errors';
import { problemType } from './error-pages';
import { isStoreUnavailable } from '../store/unavailable';
import { answerJson } from './answer';

/** Seconds a client waits before retrying a 503 that names no wait of its own. */
const DEFAULT_RETRY_AFTER = '1';

/** Maps errors thrown by body parsers and the database to catalogue errors. */
function classify(err: unknown): GatewayError {
  if (isGatewayError(err)) return err;
  // The router's decodeURIComponent of a path parameter (e.g. /messages/%E0%A4%A): the caller's fault.
  if (err instanceof URIError) return new GatewayError('GW_ERR_REQUEST_INVALID', 'the URL path is not valid percent-encoding');
  const e = err as { type?: string; status?: number; code?: string; message?: string; limit?: number };
  switch (e?.type) {
    case 'entity.too.large':
      return new GatewayError('GW_ERR_HTTP_BODY_TOO_LARGE', `the limit is ${e.limit} bytes`);
    case 'entity.parse.failed':
      // V8 quotes up to 20 characters of the body ('Unexpected token …, "…" is not valid JSON'); that
      // may be personal data (part of an ID number) and would reach the log: keep only the diagnosis.
      return new GatewayError('GW_ERR_HTTP_MALFORMED_JSON', (e.message ?? '').replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, ' in the JSON body'));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', e.message);
  }
  if (isStoreUnavailable(err)) return new GatewayError('GW_ERR_STORE_UNAVAILABLE', 'the database is not reachable; retry shortly');
  // zlib (Z_DATA_ERROR, Z_BUF_ERROR …): the body is not what its Content-Encoding says, e.g. a gzip header and garbage.
  if (typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return new GatewayError('GW_ERR_HTTP_BAD_CONTENT_ENCODING', `the body does not decode as its Content-Encoding says (${e.code})`);
  }
  // Any other refusal of the body parser (http-errors, 4xx, meant for the client): the caller's fault, never a 500.
  const h = err as { expose?: boolean; status?: number };
  if (h?.expose === true && typeof h.status === 'number' && h.status >= 400 && h.status < 500) {
    return new GatewayError('GW_ERR_REQUEST_INVALID', `the request body could not be read: ${e.message ?? 'invalid'}`);
  }
  return new GatewayError('GW_ERR_INTERNAL', 'see the gateway log for this requestId');
}

export function sendProblem(res: Response, requestId: string, err: GatewayError): void {
  for (const [k, v] of Object.entries(err.extra.headers ?? {})) res.setHeader(k, v);
  // Every 503 is temporary (the OpenAPI document promises Retry-After on each): say when to come back.
  if (err.status === 503 && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', DEFAULT_RETRY_AFTER);
  // Node's own methods (http/answer.ts): the lean routes answer outside Express too.
  answerJson(
    res,
    err.status,
    {
      type: problemType(err.code),
      title: err.title,
      status: err.status,
      detail: err.detail ?? err.title,
      code: err.code,
      requestId,
      ...(err.extra.errors ? { errors: err.extra.errors, errorCount: err.extra.errorCount ?? err.extra.errors.length } : {}),
    },
    undefined,
    'application/problem+json',
  );
}

/** The one error handler: everything becomes application/problem+json; stacks only go to the log. */
export function problemHandler() {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = classify(err);
    const log = req.ctx?.log;
    if (problem.status >= 500) log?.error({ err, code: problem.code }, 'request failed');
    else log?.info({ code: problem.code, detail: problem.detail }, 'request refused');
    if (res.headersSent) return void res.end();
    sendProblem(res, req.ctx?.requestId ?? 'unknown', problem);
  };
}

/**
 * The last route: 405 with `Allow` when the path is an endpoint that takes other methods
 * (`allowedMethods` answers from the published route table), else 404.
 */
export function notFound(allowedMethods: (path: string) => string[] = () => []) {
  return (req: Request, res: Response) => {
    const allowed = allowedMethods(req.path);
    if (allowed.length && !allowed.includes(req.method)) {
      res.setHeader('Allow', allowed.join(', '));
      throw new GatewayError('GW_ERR_HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}`);
    }
    throw new GatewayError('GW_ERR_HTTP_NOT_FOUND', `${req.method} ${req.path} is not an endpoint of this gateway`);
  };
}

/** For POST/PUT/PATCH with a body: JSON only. */
export function requireJson() {
  return (req: Request, _res: Response, next: NextFunction) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
      throw new GatewayError('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `send Content-Type: application/json (got ${req.get('content-type') ?? 'none'})`);
    }
    next();
  };
}

