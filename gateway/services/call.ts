import type { Store } from '../store/db';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Trust } from '../trust/trust';
import type { Directory } from '../registry/directory';
import type { AdapterBindings } from '../adapters/bindings';
import type { LogHashAlg } from '../merkle/hash';
import { signBatchAsync, type BatchedSignature } from '../crypto/batch-signature';
import { GroupCommitQueue } from '../batching/queue';
import { ServiceCallRecorder, type CallRow } from './recorder';
import type { Adapter, NativeForm, NativeObject, ServiceSpec } from '../../adapters/types';
import { GatewayError, isGatewayError, type ErrorCode } from '../errors';
import { assertContract } from '../schemas/contract';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { formatTime } from '../clock';
import { newId } from '../ids';
import { prepareEntry } from '../log/entries';
import { actorName, type Principal } from '../registry/principal';

/** Throws `code` with the field errors if `data` does not match `schema` (the agency's request or answer schema). */
const check = (schema: Record<string, unknown>, data: unknown, code: ErrorCode, detail: string): void => assertContract(schema, data, { code, detail });

/** The caller's declared purpose and case: X-Purpose (用途) and X-Case-Id (办件编号), both required. */
export interface CallContext {
  purpose: string;
  caseId: string;
}

export interface ServiceResponse {
  id: string;
  service: string;
  provider: string;
  purpose: string;
  caseId: string;
  at: string;
  data: Record<string, unknown>;
  digests: { request: Digest; response: Digest; nativeRequest: Digest; nativeResponse: Digest };
  log: { index: number; leafHash: string };
  /** The gateway's batch signature over the canonical JSON of the answer without `signature`. */
  signature: BatchedSignature;
}
type Digest = { alg: 'sha256'; value: string };

const sha256 = (text: string): Digest => ({ alg: 'sha256', value: digestHex('sha256', text) });

/** Finds the provider's adapter and service (404 GW_ERR_SERVICE_UNKNOWN / GW_ERR_REGISTRY_UNKNOWN_MEMBER). */
export function findService(deps: Pick<BrokerDeps, 'directory' | 'adapters'>, provider: string, name: string): { adapter: Adapter; service: ServiceSpec } {
  if (!deps.directory.member(provider)) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${provider}"`);
  const adapter = deps.adapters.adapterOf(provider);
  const service = adapter?.services.find((s) => s.name === name);
  if (!adapter || !service) {
    const offered = adapter?.services.map((s) => s.name) ?? [];
    throw new GatewayError('GW_ERR_SERVICE_UNKNOWN', `${provider} offers no service "${name}"${offered.length ? `; it offers ${offered.join(', ')}` : ''}`);
  }
  return { adapter, service };
}

export interface BrokerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  trust: Trust;
  directory: Directory;
  adapters: AdapterBindings;
  logHashAlg: LogHashAlg;
  /** groupCommit.overlapMinBatch: when a second batch of call records may be sent beside the one in flight. */
  overlapMinBatch: number;
}

/**
 * Synchronous service calls (X-Road style): agreement (caller → provider, the
 * service, the declared purpose), request schema, conversion to the agency's
 * request, the call (timeout, circuit breaker, bulkhead), conversion back, and a
 * record of it — request, response and both native texts — in service_calls and
 * the signed log (service.called), failed calls included. Records are group
 * committed and answers batch-signed by the gateway's log key, so neither the
 * database nor SM2 costs a round trip per call. The answer carries its log
 * position and the signature.
 */
export class ServiceBroker {
  private readonly recorder: ServiceCallRecorder;
  /** Calls started and not settled (a call whose client went away still runs to its record). */
  private running = 0;
  private idle: Array<() => void> = [];
  /** Answers signed while a signature is being made share the next one (one batch signature, one inclusion proof each). */
  private readonly signing: GroupCommitQueue<string, BatchedSignature>;

  constructor(private readonly d: BrokerDeps) {
    this.recorder = new ServiceCallRecorder(d.store, d.log, d.overlapMinBatch);
    this.signing = new GroupCommitQueue({
      what: 'answers to sign',
      maxBatch: 256,
      commit: (texts) => signBatchAsync(d.trust.logSigner, 'gateway', d.trust.logCertificate, texts, formatTime(d.clock.now())),
    });
  }

  /**
   * A failed call is recorded too. If even that fails (the agency's texts cannot be
   * stored), it is recorded once more with digests only, and never dropped silently.
   */
  private async recordFailure(call: CallRecord): Promise<void> {
    try {
      await this.recorder.record(rowOf(this.d.logHashAlg, call));
    } catch (first) {
      this.d.log.error({ err: first, call: call.id }, 'recording a failed service call failed; recording it without the native texts');
      const digestsOnly = { ...call, digests: call.digests ?? textDigests(call), native: null, rawResponse: null, data: undefined };
      await this.recorder.record(rowOf(this.d.logHashAlg, digestsOnly)).catch((err) => this.d.log.error({ err, call: call.id }, 'a failed service call could not be recorded'));
    }
  }

  /** Calls in flight: started, not yet answered and recorded. */
  get callsInFlight(): number {
    return this.running;
  }

  /**
   * Resolves once no call is in flight. Shutdown waits for it before closing the store: the
   * HTTP drain counts a request done when its client goes away, and the call it started still
   * ends with its record (each call is bounded by its adapter's deadline).
   */
  settled(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  async call(principal: Principal, provider: string, name: string, body: unknown, ctx: CallContext): Promise<ServiceResponse> {
    this.running++;
    try {
      return await this.run(principal, provider, name, body, ctx);
    } finally {
      if (--this.running === 0) for (const r of this.idle.splice(0)) r();
    }
  }

  private async run(principal: Principal, provider: string, name: string, body: unknown, ctx: CallContext): Promise<ServiceResponse> {
    const d = this.d;
    const { adapter, service } = findService(d, provider, name);
    d.directory.agreements.check(principal.member, provider, name, ctx.purpose);
    check(service.requestSchema, body, 'GW_ERR_REQUEST_INVALID', `the request does not match the ${name} request schema`);
    const request = body as Record<string, unknown>;
    const call: CallRecord = { id: newId(), principal, provider, adapter, service, ctx, request, at: d.clock.now(), started: Date.now(), native: null, rawResponse: null };
    try {
      call.native = service.toNative(request);
      const connection = d.adapters.connectionOf(provider);
      if (!connection?.call) throw new GatewayError('GW_ERR_AGENCY_UNAVAILABLE', `${provider} has no transport for synchronous calls`);
      const answer = await connection.call(service, call.native);
      call.rawResponse = answer.rawResponse;
      const data = answerOf(service, answer.response, provider);
      call.data = data;
      const digests = { request: sha256(canonicalJson(request)), response: sha256(canonicalJson(data)), nativeRequest: sha256(call.native.text), nativeResponse: sha256(answer.rawResponse) };
      call.digests = digests;
      const log = await this.recorder.record(rowOf(d.logHashAlg, call));
      call.recorded = true;
      d.metrics.serviceCalls.inc({ provider, service: name, outcome: 'ok' });
      d.metrics.serviceDuration.observe({ provider, service: name }, (Date.now() - call.started) / 1000);
      const unsigned = { id: call.id, service: name, provider, purpose: ctx.purpose, caseId: ctx.caseId, at: formatTime(call.at), data, digests, log };
      return { ...unsigned, signature: await this.signing.submit(canonicalJson(unsigned)) };
    } catch (err) {
      call.error = isGatewayError(err) ? err : new GatewayError('GW_ERR_INTERNAL', 'the service call failed');
      d.metrics.serviceCalls.inc({ provider, service: name, outcome: call.error.code });
      if (!call.recorded) await this.recordFailure(call);
      throw err;
    }
  }
}

/**
 * The agency's answer as our JSON. An answer that does not map (an unknown code, a
 * missing field) or does not make a valid response is the agency's fault, not the
 * caller's: GW_ERR_AGENCY_INVALID_ANSWER (502), naming the field and value.
 */
function answerOf(service: ServiceSpec, response: NativeObject, provider: string): Record<string, unknown> {
  let data: Record<string, unknown>;
  try {
    data = service.fromNative(response);
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    throw new GatewayError('GW_ERR_AGENCY_INVALID_ANSWER', `${provider}'s ${service.operation} answer cannot be converted: ${err.detail ?? err.title}`, { errors: err.extra.errors });
  }
  check(service.responseSchema, data, 'GW_ERR_AGENCY_INVALID_ANSWER', `${provider}'s ${service.operation} answer does not convert to a valid ${service.name} response`);
  return data;
}

interface CallRecord {
  id: string;
  principal: Principal;
  provider: string;
  adapter: Adapter;
  service: ServiceSpec;
  ctx: CallContext;
  request: Record<string, unknown>;
  at: Date;
  started: number;
  native: NativeForm | null;
  rawResponse: string | null;
  data?: Record<string, unknown>;
  digests?: ServiceResponse['digests'] | Record<string, Digest>;
  error?: GatewayError;
  /** Set once its record is committed (a failure after that — signing — is not recorded twice). */
  recorded?: boolean;
}

/** Digests of what crossed the gateway so far (request, and the SOAP texts when there were any). */
const textDigests = (r: CallRecord): Record<string, Digest> => ({
  request: sha256(canonicalJson(r.request)),
  ...(r.native ? { nativeRequest: sha256(r.native.text) } : {}),
  ...(r.rawResponse !== null ? { nativeResponse: sha256(r.rawResponse) } : {}),
});

/** The service_calls row and the service.called log entry of a call. */
function rowOf(alg: LogHashAlg, r: CallRecord): CallRow {
  const entry = prepareEntry(
    alg,
    'service.called',
    r.at,
    {
      call: { id: r.id, caller: actorName(r.principal), from: r.principal.member, provider: r.provider, service: r.service.name, operation: r.service.operation, purpose: r.ctx.purpose, caseId: r.ctx.caseId },
      adapter: { name: r.adapter.name, version: r.adapter.version, mappingVersion: r.adapter.mappingVersion },
      outcome: r.error ? { ok: false, code: r.error.code } : { ok: true },
      digests: r.digests ?? textDigests(r),
    },
    { messageId: r.id, caseId: r.ctx.caseId },
  );
  return {
    id: r.id,
    caller: r.principal.member,
    callerSystem: r.principal.kind === 'system' ? r.principal.system : r.principal.login,
    provider: r.provider,
    service: r.service.name,
    purpose: r.ctx.purpose,
    caseId: r.ctx.caseId,
    request: r.request,
    response: r.data ?? null,
    outcome: r.error ? 'failed' : 'ok',
    errorCode: r.error?.code ?? null,
    errorDetail: r.error?.detail ?? null,
    nativeRequest: r.native?.text ?? null,
    nativeResponse: r.rawResponse,
    provenance: { adapter: r.adapter.name, adapterVersion: r.adapter.version, mappingVersion: r.adapter.mappingVersion, operation: r.service.operation },
    startedAt: r.at,
    durationMs: Date.now() - r.started,
    entry,
  };
}
