import { BrokenCircuitError, BulkheadRejectedError, ConsecutiveBreaker, bulkhead, circuitBreaker, handleWhen, wrap } from 'cockatiel';
import { AdapterError } from '../errors';
import { watchCircuit } from './circuit-watch';
import { SoapClient } from '../soap/client';
import { AgencyError, agencyErrorToAdapterError, isAgencyError, isRetryable } from '../soap/errors';
import type { Adapter, AdapterConnection, AgencyAnswer, BindContext, DeliveryAttempt, InboundSpec, NativeForm, NativeObject, OutboundMessage, ServiceSpec } from '../types';

/** What a vertical agency's SOAP adapter declares; soapAgencyAdapter() turns it into an Adapter. */
interface SoapAgencySpec {
  name: string;
  version: string;
  title: string;
  mappingVersion: string;
  /** The agency's WSDL (its service address is replaced by the member's configured endpoint). */
  wsdlPath: string;
  soapVersion: '1.1' | '1.2';
  encoding: 'utf-8' | 'gbk';
  /** The agency requires a WS-Security UsernameToken on every request (config `credentials`). */
  usernameToken: boolean;
  /** Per message type: our payload → the agency's request element. */
  convert: Record<string, (payload: Record<string, unknown>) => NativeForm>;
  /**
   * The agency's refusal of a case it already has (its business key, e.g. 受理编号, is taken).
   * After an attempt that timed out the agency may have processed the case anyway: a
   * retry refused this way counts as delivered, not as a dead letter.
   */
  duplicateFault: RegExp;
  /** Reads the agency's answer to a delivered message: accepted, or refused (not retryable). */
  deliveryAnswer(response: NativeObject): { accepted: boolean; answer: Record<string, unknown>; message?: string };
  services: ServiceSpec[];
  inbound: InboundSpec;
}

const credentials = { type: 'object', additionalProperties: false, required: ['username', 'password'], properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } } };

function configSchema(s: SoapAgencySpec): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['endpoint', ...(s.usernameToken ? ['credentials', 'inbound'] : [])],
    properties: {
      endpoint: { type: 'string', format: 'uri', pattern: '^https?://', description: "the agency's SOAP endpoint" },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 120_000, default: 10_000, description: 'per call' },
      maxConcurrent: { type: 'integer', minimum: 1, maximum: 256, default: 4, description: 'calls in flight to the agency at once' },
      maxQueued: { type: 'integer', minimum: 0, maximum: 10_000, default: 16, description: 'calls waiting for a slot; more are refused (GW_ERR_AGENCY_BUSY)' },
      circuit: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          failures: { type: 'integer', minimum: 1, maximum: 1000, default: 5, description: 'consecutive failures that open the circuit' },
          halfOpenAfterMs: { type: 'integer', minimum: 10, maximum: 3_600_000, default: 30_000, description: 'how long it stays open before one probe call' },
        },
      },
      ...(s.usernameToken ? { credentials: { ...credentials, description: 'WS-Security UsernameToken the gateway sends' } } : {}),
      inbound: {
        type: 'object',
        additionalProperties: false,
        ...(s.usernameToken ? { required: ['credentials'] } : { default: {} }),
        properties: {
          ...(s.usernameToken ? { credentials: { ...credentials, description: 'UsernameToken the agency must send to the gateway' } } : {}),
          allowFrom: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: "client IP addresses allowed to call the inbound endpoint (default: none; IPv4-mapped IPv6 forms match their IPv4 address)" },
          statusReceiver: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$', default: 'hall', description: 'who gets a status event when the case is unknown here' },
        },
      },
    },
  };
}

interface AgencyConfig {
  endpoint: string;
  timeoutMs: number;
  maxConcurrent: number;
  maxQueued: number;
  circuit: { failures: number; halfOpenAfterMs: number };
  credentials?: { username: string; password: string };
}

/** A vertical agency's adapter: conversion by its mappings, SOAP transport with timeouts, a circuit breaker and a bulkhead. */
export function soapAgencyAdapter(s: SoapAgencySpec): Adapter {
  return {
    name: s.name,
    version: s.version,
    title: s.title,
    mappingVersion: s.mappingVersion,
    configSchema: configSchema(s),
    delivers: Object.keys(s.convert),
    toReceiver: (type, payload) => {
      const convert = s.convert[type];
      if (!convert) throw new AdapterError('GW_ERR_ADAPTER_UNMAPPED_VALUE', `${s.name} has no conversion for message type ${type}`, { errors: [{ pointer: '/type', message: `${s.name} converts ${Object.keys(s.convert).join(', ')}` }] });
      return convert(payload);
    },
    fromSender: (operation, native) => {
      const op = s.inbound.operations.find((o) => o.operation === operation);
      if (!op) throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', `${s.name} has no inbound operation ${operation}`);
      return { type: op.type, ...op.fromNative(native) };
    },
    services: s.services,
    inbound: s.inbound,
    bind: (ctx) => connect(s, ctx),
  };
}

/** Runs `fn` with a signal that aborts after `ms`; rejects with `onTimeout()` at the deadline even if `fn` is still waiting. */
function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>, onTimeout: () => Error): Promise<T> {
  const ctrl = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      ctrl.abort(new DOMException('deadline', 'TimeoutError'));
      reject(onTimeout());
    }, ms);
    fn(ctrl.signal).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A business refusal carried through the circuit breaker as an answer: the agency is up. */
class Refusal {
  constructor(readonly error: AgencyError) {}
}

/** Could the request have reached the agency although no answer came back (a timeout, a connection cut while it answered)? */
const mayHaveArrived = (err: unknown): boolean =>
  isAgencyError(err) && (err.kind === 'timeout' || (err.kind === 'unavailable' && err.httpStatus === undefined && /without an answer|while answering/.test(err.message)));

function connect(s: SoapAgencySpec, ctx: BindContext): AdapterConnection {
  const c = ctx.config as unknown as AgencyConfig;
  const agency = `${ctx.member.name} (${ctx.member.code})`;
  let client: Promise<SoapClient> | null = null;
  const clientOf = () =>
    (client ??= SoapClient.create({ wsdlPath: s.wsdlPath, endpoint: c.endpoint, soapVersion: s.soapVersion, encoding: s.encoding, usernameToken: c.credentials, timeoutMs: c.timeoutMs, limits: ctx.xmlLimits, clock: ctx.clock }).catch((err) => {
      client = null;
      throw err;
    }));
  // Only the agency's own trouble counts against the circuit: a refusal (Client/Sender fault) means it is up (see invoke).
  const breaker = circuitBreaker(handleWhen((e) => isAgencyError(e) && isRetryable(e)), { halfOpenAfter: c.circuit.halfOpenAfterMs, breaker: new ConsecutiveBreaker(c.circuit.failures) });
  const policy = wrap(bulkhead(c.maxConcurrent, c.maxQueued), breaker);
  const watch = watchCircuit(breaker, { clock: ctx.clock, threshold: c.circuit.failures, halfOpenAfterMs: c.circuit.halfOpenAfterMs });

  /**
   * One call with ONE deadline (timeoutMs) that includes any wait for a free slot in the bulkhead.
   * A refusal passes the breaker as an answer (a success: it resets the run of failures) and is thrown after it.
   */
  const invoke = async (operation: string, xml: string): Promise<AgencyAnswer> => {
    const out = await withDeadline(
      c.timeoutMs,
      (signal) =>
        policy.execute(async () => {
          try {
            return await (await clientOf()).invoke(operation, xml, { signal });
          } catch (err) {
            if (isAgencyError(err) && !isRetryable(err)) return new Refusal(err);
            throw err;
          }
        }, signal),
      () => new AgencyError('timeout', `no answer within ${c.timeoutMs} ms (waiting for a free slot included)`, { timeoutMs: c.timeoutMs }),
    ).catch((err: unknown) => {
      watch.ended(err);
      throw err;
    });
    if (out instanceof Refusal) throw out.error;
    return out;
  };
  /** The error for a failed call (an AdapterError with its catalogue code). */
  const adapterError = (err: unknown): AdapterError => {
    if (err instanceof BrokenCircuitError) return new AdapterError('GW_ERR_AGENCY_CIRCUIT_OPEN', `calls to ${agency} are paused after ${c.circuit.failures} failures in a row; the next probe is within ${c.circuit.halfOpenAfterMs} ms`, { headers: { 'Retry-After': String(Math.ceil(c.circuit.halfOpenAfterMs / 1000)) } });
    if (err instanceof BulkheadRejectedError) return new AdapterError('GW_ERR_AGENCY_BUSY', `${c.maxConcurrent} calls to ${agency} are in progress and ${c.maxQueued} waiting`, { headers: { 'Retry-After': '1' } });
    return agencyErrorToAdapterError(err, agency);
  };

  return {
    async deliver(m: OutboundMessage): Promise<DeliveryAttempt> {
      const started = Date.now();
      let native: NativeForm | undefined;
      try {
        // A message that came in converted (from-sender) carries the sender's native text, not ours: convert for this agency.
        const stored = m.conversion && m.conversion.provenance.direction !== 'from-sender' ? m.conversion.native : undefined;
        native = stored ?? s.convert[m.type]?.(m.payload as Record<string, unknown>);
      } catch (err) {
        return { ok: false, retryable: false, error: `${s.name} cannot convert it: ${err instanceof AdapterError ? err.detail : (err as Error).message}`, durationMs: 0 };
      }
      if (!native) return { ok: false, retryable: false, error: `${s.name} cannot deliver message type ${m.type}`, durationMs: 0 };
      try {
        const out = await invoke(native.operation, native.text);
        const a = s.deliveryAnswer(out.response);
        return a.accepted
          ? { ok: true, answer: a.answer, durationMs: Math.round(out.durationMs) }
          : { ok: false, retryable: false, error: `${agency} refused the message: ${a.message ?? JSON.stringify(a.answer)}`, answer: a.answer, durationMs: Math.round(out.durationMs) };
      } catch (err) {
        const durationMs = Date.now() - started;
        // Refused as a case it already has, after an attempt that may have reached it: it took that attempt.
        if (m.maybeDelivered && isAgencyError(err) && err.kind === 'fault' && !isRetryable(err) && s.duplicateFault.test(err.fault?.reason ?? '')) {
          return { ok: true, answer: { duplicate: true, fault: err.fault!.reason }, durationMs };
        }
        const e = adapterError(err);
        // Refused by our own circuit breaker or bulkhead: the agency never saw it; not an attempt.
        if (err instanceof BrokenCircuitError || err instanceof BulkheadRejectedError) {
          return { ok: false, notAttempted: true, retryAfterMs: err instanceof BrokenCircuitError ? c.circuit.halfOpenAfterMs : 1000, error: `${e.code}: ${e.detail}`, durationMs };
        }
        return { ok: false, retryable: isAgencyError(err) ? isRetryable(err) : true, maybeDelivered: mayHaveArrived(err), error: `${e.code}: ${e.detail}`, durationMs };
      }
    },
    leaseMs: () => c.timeoutMs + 5_000,
    async call(service, request) {
      try {
        return await invoke(service.operation, request.text);
      } catch (err) {
        throw adapterError(err);
      }
    },
    circuit: watch.report,
    async close() {
      const open = client;
      client = null;
      await open?.then((x) => x.close(), () => undefined);
    },
  };
}
