import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';
import type { Principal } from '../registry/principal';

export type { Principal };

export interface RequestContext {
  requestId: string;
  /** The request's child logger (requestId, then member/system once authenticated). */
  readonly log: Logger;
  /** Adds fields to every later log line of this request. */
  bindLog(fields: Record<string, unknown>): void;
  principal?: Principal;
  started: bigint;
  /** The route's metrics label when it is served outside the router (http/lean-route.ts); else req.route names it. */
  route?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    ctx: RequestContext;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives every request an id (the caller's X-Request-Id if sane) and a child logger. */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    // The child logger is built on first use: a request that logs nothing pays nothing for it.
    const bindings: Record<string, unknown> = { requestId };
    let child: Logger | undefined;
    req.ctx = {
      requestId,
      started: process.hrtime.bigint(),
      get log() {
        return (child ??= log.child(bindings));
      },
      bindLog(fields) {
        if (child) child = child.child(fields);
        else Object.assign(bindings, fields);
      },
    };
    next();
  };
}
