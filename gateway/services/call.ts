import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { GatewayDeps } from '../deps';
import type { Principal } from '../http/context';
import type { Adapter, NativeForm, ServiceSpec } from '../../adapters/types';
import { GatewayError, isGatewayError, type FieldError } from '../errors';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { formatTime } from '../clock';
import { newId } from '../ids';
import { prepareEntry } from '../log/entries';
import { appendEntries } from '../log/store';
import { actorName } from '../http/auth';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();
const validatorOf = (schema: Record<string, unknown>) => compiled.get(schema) ?? compiled.set(schema, ajv.compile(schema)).get(schema)!;

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
  signature?: { signer: 'gateway'; alg: string; certificate: string; value: string };
}
type Digest = { alg: 'sha256'; value: string };

const sha256 = (text: string): Digest => ({ alg: 'sha256', value: digestHex('sha256', text) });

/** Finds the provider's adapter and service (404 GW_ERR_SERVICE_UNKNOWN / GW_ERR_REGISTRY_UNKNOWN_MEMBER). */
export function findService(deps: GatewayDeps, provider: string, name: string): { adapter: Adapter; service: ServiceSpec } {
  if (!deps.directory.member(provider)) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${provider}"`);
  const adapter = deps.adapters.adapterOf(provider);
  const service = adapter?.services.find((s) => s.name === name);
  if (!adapter || !service) {
    const offered = adapter?.services.map((s) => s.name) ?? [];
    throw new GatewayError('GW_ERR_SERVICE_UNKNOWN', `${provider} offers no service "${name}"${offered.length ? `; it offers ${offered.join(', ')}` : ''}`);
  }
  return { adapter, service };
}

function fieldErrors(v: ValidateFunction, prefix = ''): FieldError[] {
  return (v.errors ?? []).map((e) => {
    const p = e.params as { missingProperty?: string; additionalProperty?: string };
    const extra = p.missingProperty ?? p.additionalProperty;
    return { pointer: `${prefix}${e.instancePath}${extra ? `/${extra}` : ''}`, message: e.keyword === 'additionalProperties' ? 'unknown property' : e.message ?? 'invalid' };
  });
}

/**
 * A synchronous service call (X-Road style): agreement (caller → provider, the
 * service, the declared purpose), request schema, conversion to the agency's
 * request, the call (timeout, circuit breaker, bulkhead), conversion back, and a
 * record of it — request, response and both native texts — in service_calls and
 * the signed log (service.called), failed calls included. The answer carries its
 * log position and the gateway's signature over it.
 */
export async function callService(deps: GatewayDeps, principal: Principal, provider: string, name: string, body: unknown, ctx: CallContext): Promise<ServiceResponse> {
  const { adapter, service } = findService(deps, provider, name);
  deps.directory.agreements.check(principal.member, provider, name, ctx.purpose);
  const validate = validatorOf(service.requestSchema);
  if (!validate(body)) throw new GatewayError('GW_ERR_REQUEST_INVALID', `the request does not match the ${name} request schema`, { errors: fieldErrors(validate) });
  const request = body as Record<string, unknown>;
  const id = newId();
  const at = deps.clock.now();
  const started = Date.now();
  let native: NativeForm | null = null;
  let rawResponse: string | null = null;
  try {
    native = service.toNative(request);
    const connection = deps.adapters.connectionOf(provider);
    if (!connection?.call) throw new GatewayError('GW_ERR_AGENCY_UNAVAILABLE', `${provider} has no transport for synchronous calls`);
    const answer = await connection.call(service, native);
    rawResponse = answer.rawResponse;
    const data = service.fromNative(answer.response);
    const checkOut = validatorOf(service.responseSchema);
    if (!checkOut(data)) throw new GatewayError('GW_ERR_ADAPTER_INVALID_NATIVE', `the agency's ${service.operation} answer does not convert to a valid ${name} response`, { errors: fieldErrors(checkOut) });
    const digests = { request: sha256(canonicalJson(request)), response: sha256(canonicalJson(data)), nativeRequest: sha256(native.text), nativeResponse: sha256(rawResponse) };
    const log = await record(deps, { id, principal, provider, adapter, service, ctx, request, at, started, native, rawResponse, data, digests });
    deps.metrics.serviceCalls.inc({ provider, service: name, outcome: 'ok' });
    deps.metrics.serviceDuration.observe({ provider, service: name }, (Date.now() - started) / 1000);
    const unsigned: ServiceResponse = { id, service: name, provider, purpose: ctx.purpose, caseId: ctx.caseId, at: formatTime(at), data, digests, log };
    const signer = deps.trust.logSigner;
    return { ...unsigned, signature: { signer: 'gateway', alg: signer.alg, certificate: deps.trust.logCertificate, value: signer.sign(canonicalJson(unsigned)).toString('base64') } };
  } catch (err) {
    const e = isGatewayError(err) ? err : new GatewayError('GW_ERR_INTERNAL', 'the service call failed');
    deps.metrics.serviceCalls.inc({ provider, service: name, outcome: e.code });
    await record(deps, { id, principal, provider, adapter, service, ctx, request, at, started, native, rawResponse, error: e }).catch((recErr) => deps.log.error({ err: recErr }, 'could not record a failed service call'));
    throw err;
  }
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
  digests?: ServiceResponse['digests'];
  error?: GatewayError;
}

/** One row in service_calls and one service.called log entry, in one transaction. */
async function record(deps: GatewayDeps, r: CallRecord): Promise<{ index: number; leafHash: string }> {
  const caller = actorName(r.principal);
  const entry = prepareEntry(
    deps.config.trust.logHashAlg,
    'service.called',
    r.at,
    {
      call: { id: r.id, caller, from: r.principal.member, provider: r.provider, service: r.service.name, operation: r.service.operation, purpose: r.ctx.purpose, caseId: r.ctx.caseId },
      adapter: { name: r.adapter.name, version: r.adapter.version, mappingVersion: r.adapter.mappingVersion },
      outcome: r.error ? { ok: false, code: r.error.code } : { ok: true },
      digests: r.digests ?? { request: sha256(canonicalJson(r.request)), ...(r.native ? { nativeRequest: sha256(r.native.text) } : {}), ...(r.rawResponse !== null ? { nativeResponse: sha256(r.rawResponse) } : {}) },
    },
    { messageId: r.id, caseId: r.ctx.caseId },
  );
  return deps.store.tx(async (db) => {
    await db.query(
      `INSERT INTO service_calls (id, caller, caller_system, provider, service, purpose, case_id, request, response, outcome, error_code, error_detail,
         native_request, native_response, provenance, started_at, duration_ms)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
      [
        r.id, r.principal.member, r.principal.kind === 'system' ? r.principal.system : r.principal.login, r.provider, r.service.name, r.ctx.purpose, r.ctx.caseId,
        JSON.stringify(r.request), r.data ? JSON.stringify(r.data) : null, r.error ? 'failed' : 'ok', r.error?.code ?? null, r.error?.detail ?? null,
        r.native?.text ?? null, r.rawResponse, JSON.stringify({ adapter: r.adapter.name, adapterVersion: r.adapter.version, mappingVersion: r.adapter.mappingVersion, operation: r.service.operation }),
        r.at, Date.now() - r.started,
      ],
    );
    const [index] = await appendEntries(db, [entry]);
    return { index, leafHash: entry.leafHash.toString('hex') };
  });
}
