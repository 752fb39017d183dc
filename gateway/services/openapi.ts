/**
 * The synchronous services' operation and schemas in the OpenAPI document
 * (merged by http/openapi.ts; routes in services/routes.ts). Request and response
 * schemas come from the adapter table.
 */
import { adapters } from '../../adapters';
import { count, hash32, json, pathParam, ref, str, time, type Json, type Op } from '../http/openapi-helpers';

const services = () => [...adapters.values()].flatMap((a) => a.services.map((s) => ({ adapter: a.name, s })));
const component = (name: string, part: 'Request' | 'Response') => `Service${part}_${name}`;

export function servicePaths() {
  const list = services();
  return {
    '/api/v1/services/{member}/{service}': {
      post: {
        tag: 'services',
        id: 'callService',
        summary: "Call a member's synchronous data-sharing service (共享查询), e.g. query-enterprise at amr",
        description:
          'X-Road-style request/response: the gateway checks the agreement (caller → member, the service, the declared purpose), ' +
          "converts the JSON request to the agency's own SOAP request, calls it (per-agency timeout, circuit breaker, bounded concurrency) " +
          'and converts the answer back. Request, response and both native texts are recorded and the call is a `service.called` entry in ' +
          'the signed log; the answer carries its log position and the gateway signature over the answer without `signature` (RFC 8785 canonical JSON). ' +
          `Services: ${list.map(({ adapter, s }) => `\`${s.name}\` (${s.title}, adapter ${adapter}, operation ${s.operation})`).join('; ')}.`,
        params: [
          pathParam('member', 'the member offering the service', { type: 'string' }, 'amr'),
          pathParam('service', 'service name', { type: 'string', enum: list.map(({ s }) => s.name) }, 'query-enterprise'),
          { name: 'X-Purpose', in: 'header', required: true, description: '用途: the purpose the agreement allows, e.g. case-handling', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } },
          { name: 'X-Case-Id', in: 'header', required: true, description: '办件编号: the case the lookup is for', schema: { type: 'string', pattern: '^[A-Za-z0-9-]{6,64}$' } },
        ],
        body: { schema: { oneOf: list.map(({ s }) => ref(component(s.name, 'Request'))) } },
        ok: { 200: json("the agency's answer as JSON, signed", ref('ServiceResponse')) },
        errors: [
          'GW_ERR_REQUEST_INVALID', 'GW_ERR_REGISTRY_UNKNOWN_MEMBER', 'GW_ERR_SERVICE_UNKNOWN', 'GW_ERR_EXCHANGE_NO_AGREEMENT', 'GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED',
          'GW_ERR_ADAPTER_UNMAPPED_VALUE', 'GW_ERR_AGENCY_TIMEOUT', 'GW_ERR_AGENCY_FAULT', 'GW_ERR_AGENCY_INVALID_ANSWER', 'GW_ERR_AGENCY_UNAVAILABLE', 'GW_ERR_AGENCY_CIRCUIT_OPEN', 'GW_ERR_AGENCY_BUSY',
        ],
      },
    },
  } satisfies Record<string, Record<string, Op>>;
}

export function serviceSchemas(): Json {
  const out: Json = {};
  for (const { s } of services()) {
    out[component(s.name, 'Request')] = { title: `${s.title} request`, ...s.requestSchema };
    out[component(s.name, 'Response')] = { title: `${s.title} response`, ...s.responseSchema };
  }
  const digest = (d: string): Json => ({ type: 'object', required: ['alg', 'value'], properties: { alg: { const: 'sha256' }, value: hash32(d) } });
  out.ServiceResponse = {
    type: 'object',
    required: ['id', 'service', 'provider', 'purpose', 'caseId', 'at', 'data', 'digests', 'log', 'signature'],
    properties: {
      id: str('call id (also the message id of its log entry)', { format: 'uuid' }),
      service: str('service name'),
      provider: str('member code'),
      purpose: str('the declared purpose'),
      caseId: str('the declared case number'),
      at: time('when the call was made'),
      data: { oneOf: services().map(({ s }) => ref(component(s.name, 'Response'))) },
      digests: {
        type: 'object',
        required: ['request', 'response', 'nativeRequest', 'nativeResponse'],
        properties: {
          request: digest('canonical JSON of the request'),
          response: digest('canonical JSON of `data`'),
          nativeRequest: digest('the SOAP request element sent'),
          nativeResponse: digest('the SOAP answer received'),
        },
      },
      log: { type: 'object', required: ['index', 'leafHash'], properties: { index: count('log index of the service.called entry'), leafHash: hash32('its leaf hash') } },
      signature: { ...ref('BatchSignature'), description: "the gateway log key's batch signature over the canonical JSON of the answer without `signature` (certificate: GET /api/v1/log/key)" },
    },
  };
  return out;
}
