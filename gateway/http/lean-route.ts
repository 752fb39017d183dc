import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateRequest, type Authenticator } from './auth';
import { assertStorable } from '../schemas/storable';

/** The generic stack's steps a lean route runs itself, each the very instance app.ts mounts there. */
export interface LeanRouteSteps {
  /** requestContext, securityHeaders, httpMetrics: in app order, each calls next() synchronously and uses only Node's own request and response. */
  before: RequestHandler[];
  /** The API's body limit (bytes): a larger Content-Length goes to the generic stack, which refuses it. */
  bodyLimit: number;
  /**
   * The API's JSON body parser (express.json with the configured limit, any type). Only asked when the body
   * the lean route read is not JSON the strict parser takes: it parses the same bytes again and gives the
   * very error the generic stack would (same type, same message).
   */
  json: RequestHandler;
  auth: Authenticator;
  /** The authenticated rate limiter (shared counts with every other route; keyed by the principal, so it needs no req.ip). */
  limit: RequestHandler;
  /** The route's own middlewares as the router runs them (the permission check, header checks …): Node's request and response only. */
  route: RequestHandler[];
  /** The route's metrics label, as the router would give it (`${baseUrl}${route.path}`). */
  label: string;
  /** Answers with Node's own response methods (no Express helpers: http/answer.ts). */
  handler: (req: Request, res: Response) => Promise<void>;
  /** The app's error handler (http/problem.ts problemHandler; it answers with Node's own methods too). */
  problem: (err: unknown, req: Request, res: Response, next: NextFunction) => void;
}

/** Serves the request and answers true, or answers false and leaves it untouched for the Express app. */
export type FrontRoute = (req: IncomingMessage, res: ServerResponse) => boolean;

const noop = () => {};

/** Runs an Express-style middleware to its next(): resolves, or rejects with what it passed on (or threw). */
function step(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      const r = mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())) as unknown;
      if (r instanceof Promise) r.catch(reject);
    } catch (err) {
      reject(err);
    }
  });
}

/** JSON's white space (RFC 8259), what the strict parser skips before the first character. */
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * One hot route served in front of Express, on Node's own request and response. Express
 * costs this machine ≈ 160 µs per request before any work of ours (bench: a bare Express
 * echo against the same echo on node:http), ≈ 60 µs of it only for switching the request's
 * and response's prototypes to Express's, which makes every later property access on them
 * slower. The route runs exactly the steps the generic stack would run for it, in the same
 * order, with the same middleware instances: request id and logger, security headers,
 * metrics, the body (read here: no Express body parser), the unstorable-value check,
 * authentication, the authenticated rate limit, the permission check, the handler; errors
 * become problem+json through the same handler.
 *
 * It takes only the plain form of the request, decided from the headers before the body is
 * read: `method` on exactly `path` (a string, or a pattern whose named groups are the route's
 * parameters; no query string, no other spelling), an Authorization
 * header (so neither the anonymous limiter nor the session cookie applies), Content-Type
 * application/json with at most `charset=utf-8`, no Content-Encoding or Transfer-Encoding, and
 * a Content-Length within the limit. Anything else goes to the Express app, which answers it
 * as before (including every refusal of an odd body).
 */
export function leanRoute(method: string, path: string | RegExp, s: LeanRouteSteps): FrontRoute {
  const serve = async (req: Request, res: Response, length: number): Promise<void> => {
    try {
      req.body = await readJson(req, res, length, s.json);
      if (req.body !== undefined && typeof req.body === 'object') assertStorable(req.body); // http/storable.ts
      await authenticateRequest(s.auth, req);
      await step(s.limit, req, res);
      req.ctx.route = s.label; // where the router would have matched the route (errors before it: 'unmatched', as there)
      for (const mw of s.route) await step(mw, req, res);
      await s.handler(req, res);
    } catch (err) {
      s.problem(err, req, res, noop);
    }
  };
  return (nodeReq, nodeRes) => {
    const h = nodeReq.headers;
    if (nodeReq.method !== method || h.authorization === undefined || !isPlainJson(h['content-type'])) return false;
    const params = paramsOf(path, nodeReq.url!);
    if (!params) return false;
    if (h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return false;
    const declared = h['content-length'];
    if (declared === undefined || !/^\d+$/.test(declared)) return false;
    const length = Number(declared);
    if (length > s.bodyLimit) return false;
    const req = nodeReq as Request;
    const res = nodeRes as Response;
    (req as { originalUrl: string }).originalUrl = nodeReq.url!; // what the request log names (Express sets it)
    req.params = params;
    for (const mw of s.before) void mw(req, res, noop);
    void serve(req, res, length);
    return true;
  };
}

/**
 * The route's parameters when `url` is exactly the route's plain form: `path` itself, or a match of its
 * named groups (which take only characters Express would not decode); else null (no query string either).
 */
function paramsOf(path: string | RegExp, url: string): Record<string, string> | null {
  if (typeof path === 'string') return url === path ? {} : null;
  const m = path.exec(url);
  return m ? { ...m.groups } : null;
}

/** application/json, alone or with a UTF-8 charset: what the strict parser decodes as the bytes are. */
function isPlainJson(ct: string | undefined): boolean {
  return ct !== undefined && (ct === 'application/json' || /^application\/json\s*;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*$/i.test(ct));
}

/**
 * The body as the API's strict JSON parser gives it: an object or an array (an empty body: {}),
 * UTF-8 with its byte order mark dropped. Node's HTTP parser delivers exactly Content-Length
 * bytes; a client that goes away leaves the request unanswered, as Express would.
 */
function readJson(req: Request, res: Response, length: number, json: RequestHandler): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('error', reject);
    req.once('end', () => {
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      let text = bytes.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return resolve({});
      let i = 0;
      while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
      const first = text.charCodeAt(i);
      if (first === 0x7b || first === 0x5b) {
        try {
          return resolve(JSON.parse(text));
        } catch {
          /* the parser's own error, below */
        }
      }
      // Not JSON the strict parser takes: let it parse the same bytes and refuse them its way.
      const again = Object.assign(Readable.from([bytes]), { headers: req.headers, method: req.method, url: req.url }) as unknown as Request;
      step(json, again, res).then(
        () => resolve(again.body),
        (err: unknown) => reject(err),
      );
    });
  });
}
