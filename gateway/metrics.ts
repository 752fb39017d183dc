import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/** One Prometheus registry per gateway instance (tests build many). */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  /** Where the circuit gauge reads from; the gateway sets it once adapters are bound. */
  const circuits: { read: () => [member: string, state: 'closed' | 'half-open' | 'open'][] } = { read: () => [] };
  const level = { closed: 0, 'half-open': 1, open: 2 } as const;
  /** Where the certificate expiry gauge reads from; the gateway sets it once its PKI is loaded. */
  const certificates: { read: () => { member: string; seconds: number }[] } = { read: () => [] };
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'xgw_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'xgw_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'xgw_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    messages: new Counter({
      name: 'xgw_messages_total',
      help: 'Exchange messages by type and status transition',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'xgw_delivery_attempts_total',
      help: 'Outbox delivery attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    commitBatch: new Histogram({
      name: 'xgw_group_commit_batch_size',
      help: 'Messages per group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [registry],
    }),
    writeQueue: new Gauge({ name: 'xgw_group_commit_queue', help: 'Messages waiting for a commit', registers: [registry] }),
    serviceCalls: new Counter({
      name: 'xgw_service_calls_total',
      help: 'Synchronous service calls by provider, service and outcome (ok or the error code)',
      labelNames: ['provider', 'service', 'outcome'] as const,
      registers: [registry],
    }),
    serviceDuration: new Histogram({
      name: 'xgw_service_call_duration_seconds',
      help: 'Synchronous service call latency, agency included',
      labelNames: ['provider', 'service'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    circuits,
    certificates,
    certificateExpiry: new Gauge({
      name: 'xgw_certificate_expiry_seconds',
      help: "Seconds until each signing certificate expires (negative once expired): members' by code, the gateway's own as _root and _log",
      labelNames: ['member'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of certificates.read()) this.set({ member: c.member }, c.seconds);
      },
    }),
    agencyCircuit: new Gauge({
      name: 'xgw_agency_circuit_state',
      help: "Each agency connection's circuit: 0 closed, 1 half-open, 2 open",
      labelNames: ['member'] as const,
      registers: [registry],
      collect() {
        for (const [member, state] of circuits.read()) this.set({ member }, level[state]);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
