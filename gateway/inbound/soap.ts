import express, { type NextFunction, type Request, type Response } from 'express';
import type { GatewayDeps } from '../deps';
import type { Member } from '../registry/members';
import type { Conversion, InboundOperation, InboundSpec, NativeObject, Adapter } from '../../adapters/types';
import { soapRouter, safeEqual, sendSoapFault, type RefusalKind, type SoapRequestContext } from '../../adapters/soap/server';
import { SoapFault } from '../../adapters/soap/errors';
import { GatewayError, isGatewayError, type ErrorCode } from '../errors';
import type { GatewayConfig } from '../config';
import { preparePush, type PushDeps } from '../exchange/push';
import { ARRIVAL } from '../exchange/lifecycle';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';

/** What the inbound endpoints use of the gateway; `push`: the push checks' view of it (deps.ts pushDeps). */
export type InboundDeps = Pick<GatewayDeps, 'directory' | 'adapters' | 'log' | 'store' | 'writer' | 'metrics' | 'clock'> & {
  config: { soap: Pick<GatewayConfig['soap'], 'xml' | 'tokenWindowSeconds' | 'maxNonces'> };
  push: PushDeps;
};

/** The catalogue code each kind of refusal before the operation carries in its fault reason. */
const REFUSAL_CODES: Record<RefusalKind, ErrorCode> = {
  charset: 'GW_ERR_SOAP_CHARSET_INVALID',
  xml: 'GW_ERR_SOAP_XML_REFUSED',
  token: 'GW_ERR_SOAP_TOKEN_REFUSED',
};

interface InboundConfig {
  credentials?: { username: string; password: string };
  allowFrom: string[];
  statusReceiver: string;
}

/**
 * The SOAP endpoints the gateway serves to agencies (agency → gateway), one per
 * member whose adapter has an inbound spec: `/soap/<member code>`, WSDL at
 * `?wsdl`. A request is converted to our JSON and then goes through exactly what
 * a JSON push goes through — validation, agreement, signing on the agency's
 * behalf, the write path and the log — with the conversion's provenance
 * (digests of the native request and of the JSON) in its log entry.
 */
export function inboundSoapRoutes(deps: InboundDeps): express.Router & { ready: Promise<void> } {
  const r = express.Router();
  const ready: Promise<void>[] = [];
  for (const member of deps.directory.allMembers()) {
    const adapter = deps.adapters.adapterOf(member.code);
    if (!adapter?.inbound) continue;
    const spec = adapter.inbound;
    const cfg = ((deps.adapters.configOf(member.code) ?? {}) as { inbound?: InboundConfig }).inbound ?? { allowFrom: [], statusReceiver: 'hall' };
    const creds = cfg.credentials;
    const router = soapRouter({
      wsdl: spec.wsdlPath,
      soapVersion: spec.soapVersion,
      encoding: spec.encoding,
      authenticate: creds ? (u, p) => safeEqual(u, creds.username) && safeEqual(p, creds.password) : undefined,
      limits: deps.config.soap.xml,
      token: { clock: deps.clock, windowSeconds: deps.config.soap.tokenWindowSeconds, maxNonces: deps.config.soap.maxNonces },
      refusal: (kind, reason) => `${REFUSAL_CODES[kind]}: ${reason}`,
      operations: Object.fromEntries(spec.operations.map((op) => [op.operation, (args: NativeObject, ctx: SoapRequestContext) => handle(deps, member, adapter, spec, cfg, op, args, ctx)])),
      onError: (err, ctx) => deps.log.error({ err, member: member.code, operation: ctx.operation }, 'inbound SOAP handler failed'),
    });
    ready.push(router.ready);
    r.use(`/soap/${member.code}`, allowFrom(cfg.allowFrom, spec), router);
  }
  return Object.assign(r, { ready: Promise.all(ready).then(() => undefined) });
}

/** One form per address: `::ffff:10.1.2.3` (an IPv4 client of an IPv6 socket) is `10.1.2.3`. */
const plainAddress = (a: string): string => a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

/**
 * Only the agency's own addresses may post to its endpoint (agencies sit on the
 * extranet; WS-Security where they support it). Nobody by default: the config
 * names them (`adapters.<member>.inbound.allowFrom`). The WSDL (GET) is public.
 */
function allowFrom(addresses: string[], spec: InboundSpec) {
  const allowed = new Set(addresses.map(plainAddress));
  return (req: Request, res: Response, next: NextFunction) => {
    const from = plainAddress(req.socket.remoteAddress ?? '');
    if (allowed.has(from) || req.method === 'GET') return next();
    sendSoapFault(res, spec.soapVersion, spec.encoding, { code: spec.soapVersion === '1.1' ? 'Client' : 'Sender', reason: `GW_ERR_AUTH_FORBIDDEN: ${from} may not call this endpoint` }, { status: 403 });
  };
}

/**
 * Who gets an agency's status event: the receiver it went to before, if this is a
 * re-sent report (so a retry is the same message even if the case moved on);
 * else whoever sent the agency the case; else the configured receiver (the hall).
 */
async function receiverFor(deps: Pick<InboundDeps, 'store'>, member: Member, messageId: string, caseId: string | null, fallback: string): Promise<string> {
  const before = await deps.store.query<{ receiver: string }>('SELECT receiver FROM messages WHERE sender = $1 AND message_id = $2', [member.code, messageId]);
  if (before.rows[0]) return before.rows[0].receiver;
  if (!caseId) return fallback;
  const r = await deps.store.query<{ sender: string }>(
    `SELECT sender FROM messages WHERE case_id = $1 AND receiver = $2 AND type = 'case-record' ORDER BY seq DESC LIMIT 1`,
    [caseId, member.code],
  );
  return r.rows[0]?.sender ?? fallback;
}

async function handle(
  deps: InboundDeps,
  member: Member,
  adapter: Adapter,
  spec: InboundSpec,
  cfg: InboundConfig,
  op: InboundOperation,
  args: NativeObject,
  ctx: SoapRequestContext,
): Promise<NativeObject> {
  const sender = spec.soapVersion === '1.1' ? 'Client' : 'Sender';
  try {
    const converted = adapter.fromSender!(op.operation, args);
    const to = await receiverFor(deps, member, converted.messageId, converted.caseId, cfg.statusReceiver);
    const principal = { kind: 'system' as const, member: member.code, system: 'soap-inbound' };
    const msg = preparePush(deps.push, principal, { to, type: converted.type, messageId: converted.messageId, ...(converted.caseId ? { caseId: converted.caseId } : {}), purpose: spec.purpose, payload: converted.payload });
    if (!msg.conversion) msg.conversion = inboundConversion(adapter, op, standaloneElement(ctx.requestXml, ctx.envelope), canonicalJson(converted.payload), msg.digestAlg);
    const out = await deps.writer.submit(msg);
    if (out.outcome === 'conflict') throw new GatewayError('GW_ERR_EXCHANGE_DUPLICATE_CONFLICT', `${converted.messageId} was already reported with different content (message ${out.existingId})`);
    if (out.outcome === 'created') deps.metrics.messages.inc({ type: msg.type, status: ARRIVAL.status });
    ctx.req.ctx?.log.info({ message: out.receipt.id, from: member.code, to, type: op.type, caseId: converted.caseId, via: 'soap' }, 'inbound SOAP message accepted');
    return op.accepted(out.receipt.id);
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    const why = `${err.code}: ${err.detail ?? err.title}${err.extra.errors?.length ? ` (${err.extra.errors.map((e) => `${e.pointer} ${e.message}`).join('; ')})` : ''}`;
    throw new SoapFault({ code: err.status < 500 ? sender : spec.soapVersion === '1.1' ? 'Server' : 'Receiver', reason: why });
  }
}

/**
 * The request element as a document of its own: the namespace declarations it relies
 * on from the Envelope and Body start tags are added to its start tag, so the stored
 * (and digested) text is well-formed XML without the envelope — which is not kept,
 * since it carries the agency's UsernameToken.
 */
export function standaloneElement(element: string, envelope: string): string {
  const inScope = new Map<string, string>();
  for (const tag of envelope.match(/<(?:[A-Za-z_][\w.-]*:)?(?:Envelope|Body)\b[^>]*>/g) ?? []) {
    for (const m of tag.matchAll(/\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*("[^"]*"|'[^']*')/g)) inScope.set(m[1] ?? '', m[2]!);
  }
  const open = /^<[^>]*?(?=\/?>)/.exec(element);
  if (!open) return element;
  const declared = new Set([...open[0].matchAll(/\sxmlns(?::([A-Za-z_][\w.-]*))?\s*=/g)].map((m) => m[1] ?? ''));
  const uses = (prefix: string) => (prefix ? new RegExp(`[<\\s/]${prefix}:`).test(element) : /<(?![!?/])[A-Za-z_][\w.-]*[\s/>]/.test(element));
  const missing = [...inScope].filter(([prefix]) => !declared.has(prefix) && uses(prefix));
  if (!missing.length) return element;
  return open[0] + missing.map(([p, v]) => ` xmlns${p ? `:${p}` : ''}=${v}`).join('') + element.slice(open[0].length);
}

/** The provenance of an inbound conversion: the agency's request element → our JSON payload. */
function inboundConversion(adapter: Adapter, op: InboundOperation, requestXml: string, canonicalPayload: string, alg: 'sm3' | 'sha256'): Conversion {
  return {
    native: { operation: op.operation, mediaType: 'application/xml', text: requestXml },
    provenance: {
      direction: 'from-sender',
      adapter: adapter.name,
      adapterVersion: adapter.version,
      mappingVersion: adapter.mappingVersion,
      operation: op.operation,
      original: { alg, value: digestHex(alg, requestXml) },
      converted: { alg, value: digestHex(alg, canonicalPayload), mediaType: 'application/json' },
    },
  };
}
