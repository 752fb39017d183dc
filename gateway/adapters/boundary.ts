/**
 * The boundary between the gateway and its adapters. Adapters import nothing from
 * gateway/ and throw AdapterError (adapters/errors.ts) with a catalogue code; here each
 * one becomes the catalogue's GatewayError (status, title) before the gateway sees it.
 * AdapterBindings hands out only guarded adapters and connections, so every route,
 * the inbound SOAP endpoints and the service broker get catalogue errors without
 * knowing about AdapterError.
 */
import { AdapterError, type AdapterErrorCode } from '../../adapters/errors';
import type { Adapter, AdapterConnection, InboundOperation, ServiceSpec } from '../../adapters/types';
import { GatewayError, type ErrorCode } from '../errors';

/** Compile-time check: every code an adapter may raise is in the catalogue. */
const adapterCodesInCatalogue: AdapterErrorCode extends ErrorCode ? true : never = true;
void adapterCodesInCatalogue;

/** An AdapterError as the catalogue's error: the same code, detail and field errors, with the catalogue's status and title. */
export const gatewayErrorOf = (e: AdapterError): GatewayError => new GatewayError(e.code, e.detail, e.extra);

const fromAdapter = (err: unknown): unknown => (err instanceof AdapterError ? gatewayErrorOf(err) : err);

function guard<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (err) {
      throw fromAdapter(err);
    }
  };
}

const guardAsync =
  <A extends unknown[], R>(fn: (...args: A) => Promise<R>): ((...args: A) => Promise<R>) =>
  (...args) =>
    fn(...args).catch((err: unknown) => {
      throw fromAdapter(err);
    });

const guardedService = (s: ServiceSpec): ServiceSpec => ({ ...s, toNative: guard(s.toNative.bind(s)), fromNative: guard(s.fromNative.bind(s)) });

const guardedOperation = (op: InboundOperation): InboundOperation => ({ ...op, fromNative: guard(op.fromNative.bind(op)) });

/** A connection whose synchronous calls fail with catalogue errors (deliver answers with a DeliveryAttempt, its failure as text). */
function guardedConnection(c: AdapterConnection): AdapterConnection {
  const call = c.call?.bind(c);
  const leaseMs = c.leaseMs?.bind(c);
  return {
    ...(c.deliver ? { deliver: c.deliver.bind(c) } : {}),
    ...(c.batch ? { batch: { max: c.batch.max, deliver: c.batch.deliver.bind(c.batch) } } : {}),
    ...(call ? { call: guardAsync(call) } : {}),
    ...(leaseMs ? { leaseMs } : {}),
    circuit: () => c.circuit(),
    close: () => c.close(),
  };
}

/** The adapter as the gateway uses it: each method that can throw throws catalogue errors, and so do the connections it binds. */
export function guardedAdapter(a: Adapter): Adapter {
  const fromSender = a.fromSender?.bind(a);
  return {
    ...a,
    toReceiver: guard(a.toReceiver.bind(a)),
    ...(fromSender ? { fromSender: guard(fromSender) } : {}),
    services: a.services.map(guardedService),
    ...(a.inbound ? { inbound: { ...a.inbound, operations: a.inbound.operations.map(guardedOperation) } } : {}),
    bind: (ctx) => guardedConnection(a.bind(ctx)),
  };
}
