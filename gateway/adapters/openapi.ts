/**
 * The adapters' administration in the OpenAPI document (merged by http/openapi.ts; the
 * route is adapters/routes.ts, the figures adapters/status.ts and adapters/agency/circuit-watch.ts).
 */
import { count, json, nullable, query, ref, str, time, type Json, type Op } from '../http/openapi-helpers';

import { RECEIVER_DELIVERY_STATES } from '../delivery/receiver-state';

export const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const;

export function adapterPaths() {
  return {
    '/api/v1/admin/adapters': {
      get: {
        tag: 'admin',
        id: 'adminListAdapters',
        summary: "Each member's adapter, where it sends, its agency's circuit breaker and its own delivery breaker (适配器与熔断状态); admin role",
        description:
          'Active members by code, with what this gateway process sees now: the circuit of each agency connection (`closed`: calls go; `open`: calls are refused ' +
          'without reaching the agency until `halfOpenAfterMs` has passed; `half-open`: one probe call decides), the failures in a row that open it, the calls ' +
          'answered, failed and refused since the member was bound, and the last failure. `circuit` is null for adapters without a breaker (REST webhooks, the exchange station). ' +
          'The same states are the `xgw_agency_circuit_state` metric. `delivery` is the member as a receiver of pushed messages, shared by every gateway ' +
          'process (the database): `running`; `open` (its delivery breaker: `threshold` failed attempts in a row, then only one probe at `probeAt`); ' +
          '`paused` (an admin paused it: POST /admin/members/{code}/delivery/pause), and its backlog. One page: `next` is always null.',
        params: [
          query('circuit', 'only connections whose circuit is in this state', { type: 'string', enum: [...CIRCUIT_STATES] }),
          query('delivery', "only members whose deliveries are in this state", { type: 'string', enum: [...RECEIVER_DELIVERY_STATES] }),
        ],
        ok: { 200: json("the members' adapters", ref('AdapterStatusList')) },
        errors: ['GW_ERR_AUTH_FORBIDDEN', 'GW_ERR_REQUEST_INVALID'],
      },
    },
  } satisfies Record<string, Record<string, Op>>;
}

export function adapterSchemas(): Json {
  const circuit = {
    type: 'object',
    required: ['state', 'since', 'failuresInARow', 'threshold', 'halfOpenAfterMs', 'succeeded', 'failed', 'refused', 'lastFailure'],
    properties: {
      state: { type: 'string', enum: [...CIRCUIT_STATES] },
      since: nullable(time('when the state last changed (null: closed since bound)')),
      failuresInARow: count("the agency's failures in a row"),
      threshold: count('failures in a row that open the circuit', 1),
      halfOpenAfterMs: count('how long it stays open before one probe call', 1),
      succeeded: count('calls the agency answered (a refusal of the request is an answer)'),
      failed: count('calls the agency failed (timeout, unavailable, server fault)'),
      refused: count('calls the open circuit refused without reaching the agency'),
      lastFailure: nullable({ type: 'object', required: ['at', 'error'], properties: { at: time('when'), error: str('what the call ran into') } }),
    },
  };
  const delivery = {
    type: 'object',
    required: ['state', 'failuresInARow', 'threshold', 'probeAt', 'paused', 'pausedAt', 'pausedBy', 'backlog'],
    properties: {
      state: { type: 'string', enum: [...RECEIVER_DELIVERY_STATES], description: 'paused wins over the breaker: nothing is attempted while paused' },
      failuresInARow: count('failed delivery attempts to it in a row (a success resets)'),
      threshold: count('failures in a row that open its delivery breaker (delivery.breakAfterFailures)', 1),
      probeAt: nullable(time('open: when the one probe attempt is due')),
      paused: { type: 'boolean', description: 'an admin paused its push deliveries' },
      pausedAt: nullable(time('paused since')),
      pausedBy: nullable(str('who paused it')),
      backlog: count('deliveries waiting (pending or in flight)'),
    },
  };
  return {
    AdapterStatus: {
      type: 'object',
      required: ['member', 'name', 'adapter', 'title', 'version', 'deliveryMode', 'endpoint', 'batchMax', 'circuit', 'delivery'],
      properties: {
        member: str('member code'),
        name: str('member name'),
        adapter: str('adapter name'),
        title: nullable(str("the adapter's title")),
        version: nullable(str("the adapter's version")),
        deliveryMode: { type: 'string', enum: ['push', 'pull'] },
        endpoint: nullable(str("where its connection sends (the agency's endpoint, else the webhook), without credentials")),
        batchMax: nullable({ type: 'integer', minimum: 2, description: 'messages per webhook request for a member that takes batches (adapter config batchMax); null: one per request' }),
        circuit: nullable(circuit),
        delivery: nullable(delivery),
      },
    },
    AdapterStatusList: { type: 'object', required: ['items', 'next'], properties: { items: { type: 'array', items: ref('AdapterStatus') }, next: { type: 'null', description: 'always null: one page' } } },
  };
}
