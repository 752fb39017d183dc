/**
 * soapRouter: a SOAP service as an Express router, mountable anywhere
 * (`app.use('/soap/amr', soapRouter(opts))`), with no global body parser.
 *
 * Before node-soap sees a request we: read the body with a size limit; decode it by
 * its declared charset (GBK; a label contradicting the declaration is refused); check
 * it (the XML gate: one linear scan with its limits — no DOCTYPE/ENTITY, depth, counts,
 * size) and read the envelope in the same pass; check the SOAP version; check the
 * WS-Security UsernameToken when `authenticate` is given (wsse namespace, password,
 * then Created window and Nonce replay: wsse.ts); find the operation by the Body's element. Refusals are SOAP faults of the service's version, and the
 * server keeps serving.
 *
 * node-soap (`soap.listen` with no HTTP server, driven through its
 * `processRequest`) then dispatches to the operation and serializes the handler's
 * answer by the WSDL's schema (qualified elements, the target namespace); handler
 * faults go through its fault writer. We re-encode its answer for the wire (GBK
 * with the matching declaration and charset) and send it ourselves. Handlers get
 * the request element's children from our own parser (strings, `03` stays `03`),
 * not node-soap's schema-typed objects.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import express, { Request, Response } from 'express';
import * as soap from 'soap';
import type { NativeObject } from '../types';
import { CharsetError, SoapVersion, WireEncoding, decodeXmlBody } from './encoding';
import { ParsedEnvelope, nodeSoapFault, parseEnvelope } from './envelope';
import { SoapFault } from './errors';
import { BodyTooLargeError, readBody, sendEnvelope, sendSoapFault, serviceUrl, wantsWsdl, wsdlWithAddress } from './http-edge';
import { XmlLimits, xmlLimits } from './safe-xml';
import { DEFAULT_TOKEN_POLICY, NonceCache, TokenPolicy, freshnessProblem } from './wsse';

export { safeEqual, sendSoapFault } from './http-edge';

export interface SoapRequestContext {
  operation: string;
  /** The request element exactly as received (decoded text). */
  requestXml: string;
  /** The whole envelope (decoded text). */
  envelope: string;
  /** The body bytes as received on the wire. */
  rawBody: Buffer;
  contentType: string;
  soapVersion: SoapVersion;
  /** The authenticated UsernameToken user, when the service authenticates. */
  username?: string;
  req: Request;
}

/** Answers with the response element's children (in schema order), or throws a SoapFault. */
type SoapOperationHandler = (args: NativeObject, ctx: SoapRequestContext) => Promise<NativeObject> | NativeObject;

interface SoapServiceOptions {
  /** WSDL text, or a path to the WSDL file. */
  wsdl: string;
  soapVersion: SoapVersion;
  /** Wire encoding of answers (requests are decoded by whatever charset they declare). */
  encoding: WireEncoding;
  /**
   * When given, every request needs a WS-Security UsernameToken (PasswordText, in the
   * OASIS namespace) this accepts, with a wsu:Created within `token.windowSeconds` of
   * `token.clock` and a wsse:Nonce not seen within that window.
   */
  authenticate?: (username: string, password: string, req: Request) => boolean | Promise<boolean>;
  token?: Partial<TokenPolicy>;
  /** The reason of a refusal as the client reads it (the gateway prefixes its error codes). */
  refusal?: (kind: RefusalKind, reason: string) => string;
  operations: Record<string, SoapOperationHandler>;
  limits?: Partial<XmlLimits>;
  /** Told about unexpected handler errors (the client only sees a generic fault). */
  onError?: (error: unknown, ctx: { operation?: string; req: Request }) => void;
}

/** Why a request was refused before its operation: its charset, its XML (the gate), its UsernameToken's freshness. */
export type RefusalKind = 'charset' | 'xml' | 'token';

export type SoapRouter = express.Router & {
  /** Resolves when the WSDL is read and every handler matched an operation. */
  ready: Promise<void>;
};

const AUTH_FAULT = { code: 'Sender', subcode: 'wsse:FailedAuthentication', reason: '身份认证失败' } as const;
const INTERNAL_REASON = '服务内部错误，请稍后重试';

interface Pending {
  args: NativeObject;
  ctx: SoapRequestContext;
  handler: SoapOperationHandler | undefined;
}

export function soapRouter(opts: SoapServiceOptions): SoapRouter {
  const { soapVersion: version, encoding } = opts;
  const limits: XmlLimits = xmlLimits(opts.limits);
  const tokenPolicy: TokenPolicy = { ...DEFAULT_TOKEN_POLICY, ...opts.token };
  const nonces = new NonceCache(tokenPolicy.windowSeconds * 1000, tokenPolicy.maxNonces);
  const refusal = opts.refusal ?? ((_kind: RefusalKind, reason: string) => reason);
  const wsdlText = opts.wsdl.trimStart().startsWith('<') ? opts.wsdl : readFileSync(opts.wsdl, 'utf8');
  const current = new AsyncLocalStorage<Pending>();
  const services: soap.IServices = {};
  /** Request element local name → operation name. */
  const byElement = new Map<string, string>();

  const dispatch = async (): Promise<NativeObject> => {
    const pending = current.getStore();
    if (!pending) throw nodeSoapFault(version, { code: 'Server', reason: INTERNAL_REASON });
    try {
      if (!pending.handler) throw new SoapFault({ code: 'Server', reason: `操作 ${pending.ctx.operation} 未实现` });
      return await pending.handler(pending.args, pending.ctx);
    } catch (e) {
      if (e instanceof SoapFault) throw nodeSoapFault(version, e);
      opts.onError?.(e, { operation: pending.ctx.operation, req: pending.ctx.req });
      throw nodeSoapFault(version, { code: 'Server', reason: INTERNAL_REASON });
    }
  };

  const ready = new Promise<soap.Server>((resolve, reject) => {
    const server: soap.Server = soap.listen(null, {
      path: '/',
      services,
      xml: wsdlText,
      forceSoap12Headers: version === '1.2',
      suppressStack: true,
      callback: (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(server)),
    });
  }).then((server) => {
    const defs = (server as unknown as { wsdl: { definitions: { services: Record<string, { ports: Record<string, { binding: { methods: Record<string, { input?: { $name: string } }> } }> }> } } }).wsdl.definitions;
    for (const [serviceName, service] of Object.entries(defs.services)) {
      services[serviceName] = {};
      for (const [portName, port] of Object.entries(service.ports)) {
        services[serviceName]![portName] = {};
        for (const [operation, method] of Object.entries(port.binding.methods)) {
          services[serviceName]![portName]![operation] = dispatch;
          if (method.input) byElement.set(method.input.$name, operation);
        }
      }
    }
    const unknown = Object.keys(opts.operations).filter((name) => ![...byElement.values()].includes(name));
    if (unknown.length) throw new Error(`the WSDL has no operation ${unknown.join(', ')}`);
    return server;
  });
  ready.catch(() => undefined); // reported through `router.ready` and to each request

  const refuse = (res: Response, reason: string, status?: number, close?: boolean): void =>
    sendSoapFault(res, version, encoding, { code: 'Sender', reason }, { status, close });

  const handlePost = async (req: Request, res: Response): Promise<void> => {
    let server: soap.Server;
    try {
      server = await ready;
    } catch (e) {
      opts.onError?.(e, { req });
      sendSoapFault(res, version, encoding, { code: 'Server', reason: INTERNAL_REASON });
      return;
    }
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, limits.maxBytes);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return refuse(res, `请求报文超过 ${limits.maxBytes} 字节的上限`, 413, true);
      return; // the client went away
    }
    const contentType = req.get('content-type') ?? '';
    let text: string;
    let envelope: ParsedEnvelope;
    try {
      text = decodeXmlBody(rawBody, contentType, encoding);
      // The gate (one linear scan with its counters) runs before anything else reads the text.
      envelope = parseEnvelope(text, limits, { byteLength: rawBody.length });
    } catch (e) {
      return refuse(res, refusal(e instanceof CharsetError ? 'charset' : 'xml', `请求报文不合法: ${(e as Error).message}`));
    }
    if (envelope.version !== version) {
      return sendSoapFault(res, version, encoding, { code: 'VersionMismatch', reason: `本服务使用 SOAP ${version}` }, { status: 500 });
    }
    let username: string | undefined;
    if (opts.authenticate) {
      const token = envelope.usernameToken;
      let ok = false;
      try {
        ok = !!token && token.passwordIsText && (await opts.authenticate(token.username, token.password, req));
      } catch (e) {
        opts.onError?.(e, { req });
      }
      if (!ok) return sendSoapFault(res, version, encoding, AUTH_FAULT);
      const stale = freshnessProblem(token!, { clock: tokenPolicy.clock, windowSeconds: tokenPolicy.windowSeconds, nonces });
      if (stale) return sendSoapFault(res, version, encoding, { ...AUTH_FAULT, reason: refusal('token', `${AUTH_FAULT.reason}: ${stale}`) });
      username = token!.username;
    }
    const operation = envelope.bodyElement ? byElement.get(envelope.bodyElement.name) : undefined;
    if (!operation || !envelope.bodyElement) {
      return refuse(res, envelope.bodyElement ? `不支持的请求 <${envelope.bodyElement.name}>` : 'SOAP Body 为空');
    }
    const ctx: SoapRequestContext = { operation, requestXml: envelope.bodyElement.text, envelope: text, rawBody, contentType, soapVersion: version, username, req };
    const pending: Pending = { args: envelope.body, ctx, handler: opts.operations[operation] };
    // Dispatch by the Body element alone: node-soap would prefer a SOAPAction header.
    const out = await current.run(pending, () => server.processRequest(text, { method: 'POST', url: '/', headers: { 'content-type': contentType } }));
    if (!/^<\?xml[^>]*\?>\s*<[\w.-]+:Envelope\b/.test(out.body)) {
      opts.onError?.(new Error(`node-soap answered without an envelope (HTTP ${out.statusCode})`), { operation, req });
      return sendSoapFault(res, version, encoding, { code: 'Server', reason: INTERNAL_REASON });
    }
    sendEnvelope(res, out.statusCode || 200, version, encoding, out.body);
  };

  const router = express.Router();
  router.get('/', (req, res, next) => {
    if (!wantsWsdl(req)) return next();
    res.set('Content-Type', 'text/xml; charset=utf-8').send(wsdlWithAddress(wsdlText, serviceUrl(req)));
  });
  router.post('/', (req, res) => {
    handlePost(req, res).catch((e: unknown) => {
      opts.onError?.(e, { req });
      sendSoapFault(res, version, encoding, { code: 'Server', reason: INTERNAL_REASON });
    });
  });
  router.all('/', (_req, res) => {
    res.status(405).set('Allow', 'GET, POST').type('text/plain').send('SOAP endpoint: POST a SOAP envelope, or GET ?wsdl\n');
  });
  const routerReady = ready.then(() => undefined);
  routerReady.catch(() => undefined); // a caller that awaits it still sees the error
  return Object.assign(router, { ready: routerReady });
}
