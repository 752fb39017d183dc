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

/** A request's context: one object per request, its methods on the prototype (no closures made per request). */
class Context implements RequestContext {
  principal?: Principal;
  route?: string;
  readonly started = process.hrtime.bigint();
  /** Fields of the child logger, until it is built. */
  private readonly bindings: Record<string, unknown>;
  private child: Logger | undefined;
  constructor(
    private readonly root: Logger,
    readonly requestId: string,
  ) {
    this.bindings = { requestId };
  }

  // The child logger is built on first use: a request that logs nothing pays nothing for it.
  get log(): Logger {
    return (this.child ??= this.root.child(this.bindings));
  }

  bindLog(fields: Record<string, unknown>): void {
    if (this.child) this.child = this.child.child(fields);
    else Object.assign(this.bindings, fields);
  }
}

/** Gives every request an id (the caller's X-Request-Id if sane) and a child logger. */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    req.ctx = new Context(log, requestId);
    next();
  };
}
