import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { assertContract, contractValidator } from '../schemas/contract';
import type { Json, Op } from './openapi-helpers';

/**
 * Route contracts: a route checks its body, query string and headers with the very
 * schemas its feature's openapi.ts publishes (one Ajv: schemas/contract.ts). A
 * refusal is 400 GW_ERR_REQUEST_INVALID with one JSON pointer per field (capped, with
 * `errorCount`, by GatewayError): `/login` in the body, `/limit` for a query
 * parameter (its name, as everywhere in the API), `/headers/X-Purpose` for a header
 * (its name as published).
 *
 *   r.get('/inbox', allow('exchange.pull'), validateQuery(ops.pullInbox), handler)
 *   handler: const q = validQuery<InboxQuery>(req)
 */

interface Param {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  required?: boolean;
  schema?: Json;
}

const VALID = Symbol('xgw.validated');
interface Validated {
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
}
type Checked = Request & { [VALID]?: Validated };

const paramsIn = (op: Pick<Op, 'params'>, where: Param['in']): Param[] => ((op.params ?? []) as unknown as Param[]).filter((p) => p.in === where);

/** The object schema of an operation's parameters in one place (the query string or the headers). */
export function paramsSchema(params: Param[], closed = false): Json {
  const required = params.filter((p) => p.required).map((p) => p.name);
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
    ...(required.length ? { required } : {}),
    ...(closed ? { additionalProperties: false } : {}),
  };
}

/** Declared when the route is built, compiled on its first use (tests/api/route-contracts compiles every declared one). */
const declared = <T extends object>(schema: T): T => (contractValidator(schema), schema);

const INTEGER = /^-?\d{1,16}$/;
const NUMBER = /^-?\d{1,16}(\.\d{1,16})?$/;

/** A query value as its published type says (a query string holds only text); anything else stays as it came, for the schema to refuse. */
function fromText(value: unknown, schema: Json | undefined): unknown {
  if (typeof value !== 'string' || !schema) return value;
  switch (schema.type) {
    case 'integer':
      return INTEGER.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
    case 'number':
      return NUMBER.test(value) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
}

/**
 * Checks the query string against the operation's published query parameters (typed as
 * published, defaults filled in); the handler reads the result with validQuery(req).
 */
export function validateQuery(op: Pick<Op, 'params'>, opts: QueryOptions = {}): RequestHandler {
  const check = queryCheck(op, opts);
  return (req: Request, _res: Response, next: NextFunction) => {
    ((req as Checked)[VALID] ??= {}).query = check(req.query as Record<string, unknown>) as Record<string, unknown>;
    next();
  };
}

interface QueryOptions {
  /** A parameter the operation does not publish is refused too. */
  closed?: boolean;
  detail?: string;
}

/**
 * The check behind validateQuery, for text parameters from elsewhere (the CLI's options):
 * returns them typed as published, defaults filled in; throws 400 GW_ERR_REQUEST_INVALID.
 */
export function queryCheck<T = Record<string, unknown>>(op: Pick<Op, 'params'>, opts: QueryOptions = {}): (raw: Record<string, unknown>) => T {
  const params = paramsIn(op, 'query');
  const schema = declared(paramsSchema(params, opts.closed));
  const detail = opts.detail ?? 'the query string does not match the API contract';
  return (raw) => {
    const query: Record<string, unknown> = { ...raw };
    for (const p of params) {
      const v = query[p.name];
      if (v !== undefined) query[p.name] = fromText(v, p.schema);
      else if (p.schema?.default !== undefined) query[p.name] = p.schema.default;
    }
    assertContract(schema, query, { detail });
    return query as T;
  };
}

/** Checks the operation's published headers (by their published names); the handler reads them with validHeaders(req). */
export function validateHeaders(op: Pick<Op, 'params'>, opts: { detail?: string } = {}): RequestHandler {
  const params = paramsIn(op, 'header');
  const schema = declared(paramsSchema(params));
  const detail = opts.detail ?? 'the request headers do not match the API contract';
  return (req: Request, _res: Response, next: NextFunction) => {
    const headers: Record<string, string> = {};
    for (const p of params) {
      // Node's own header (not Express's req.get): routes served in front of Express check headers too (http/lean-route.ts).
      const v = req.headers[p.name.toLowerCase()];
      if (typeof v === 'string') headers[p.name] = v;
    }
    assertContract(schema, headers, { detail, at: '/headers' });
    ((req as Checked)[VALID] ??= {}).headers = headers;
    next();
  };
}

/** Checks the JSON body against its published schema (an absent body is checked as `{}`, so each required member is named). */
export function validateBody(schema: Json, opts: { detail?: string } = {}): RequestHandler {
  declared(schema);
  const detail = opts.detail ?? 'the request body does not match the API contract';
  return (req: Request, _res: Response, next: NextFunction) => {
    req.body ??= {};
    assertContract(schema, req.body, { detail });
    next();
  };
}

function validated(req: Request, part: keyof Validated): Record<string, unknown> {
  const v = (req as Checked)[VALID]?.[part];
  if (!v) throw new Error(`route contract: ${part} was not validated (add validate${part === 'query' ? 'Query' : 'Headers'} to the route)`);
  return v;
}

/** The query string as validateQuery checked it. */
export const validQuery = <T>(req: Request): T => validated(req, 'query') as T;

/** The published headers as validateHeaders checked them. */
export const validHeaders = <T>(req: Request): T => validated(req, 'headers') as T;
