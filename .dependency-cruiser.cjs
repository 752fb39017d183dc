/**
 * The layers of xgw as code (run by `npm test`: tests/architecture/layers.test.ts).
 *
 *   pure  ←  data  ←  domain  ←  http  ←  wiring
 *
 * pure    hashing, signing, canonical JSON, Merkle maths, the offline verifier, the
 *         error catalogue, clock and ids, the group-commit queue (gateway/batching): no I/O, shared with the standalone verifier
 *         and the 公文 model, marks, dates and plain-text importer (gateway/documents, all but routes/openapi)
 * data    gateway/store (PostgreSQL / PGlite, migrations)
 * domain  registry, exchange, delivery, services, inbound, log store, audit, trust
 * http    gateway/http and each feature's routes.ts / openapi.ts
 * wiring  gateway.ts, app.ts, deps.ts, cli/
 * Adapters (adapters/) never import gateway/; no import cycles, type-only ones included.
 */
const PURE = [
  '^gateway/crypto/',
  '^gateway/batching/',
  '^gateway/log/(hash|tree|bits|checkpoint|entries|verify|merkle)\\.ts$',
  '^gateway/audit/(bundle|report|verify-[a-z-]+)\\.ts$',
  '^gateway/(clock|ids|errors)\\.ts$',
  '^gateway/documents/(model|numerals|classification|normalize|decode|importer)\\.ts$',
  '^certs/(chain|certificate|crl|asn1|parse)\\.ts$',
];
const DATA = ['^gateway/store/'];
const HTTP = ['^gateway/http/', '^gateway/[a-z-]+/routes\\.ts$', '^gateway/[a-z-]+/openapi\\.ts$', '^gateway/inbound/'];
const WIRING = ['^gateway/(gateway|app|deps)\\.ts$', '^gateway/cli/'];
const IO_PACKAGES = ['^pg$', '^@electric-sql/pglite', '^express$', '^soap$', '^pino$', '^prom-client$', '^node:(fs|net|http|https|child_process)$', '^(fs|net|http|https|child_process)$'];

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycles, type-only ones included', severity: 'error', from: {}, to: { circular: true } },
    { name: 'adapters-stand-alone', comment: 'adapters import nothing from gateway/', severity: 'error', from: { path: '^adapters/' }, to: { path: '^gateway/' } },
    { name: 'pure-imports-pure', comment: 'pure modules import only pure modules', severity: 'error', from: { path: PURE }, to: { path: '^(gateway|certs|adapters)/', pathNot: PURE } },
    { name: 'pure-has-no-io', comment: 'pure modules use no database, network, file or HTTP package', severity: 'error', from: { path: PURE }, to: { dependencyTypesNot: ['type-only'], path: IO_PACKAGES } },
    { name: 'data-below-domain', comment: 'the store knows nothing of the domain, HTTP or wiring', severity: 'error', from: { path: DATA }, to: { path: '^gateway/', pathNot: [...PURE, ...DATA] } },
    { name: 'domain-below-http', comment: 'domain modules do not import HTTP or wiring', severity: 'error', from: { path: '^gateway/', pathNot: [...PURE, ...DATA, ...HTTP, ...WIRING] }, to: { path: [...HTTP, ...WIRING] } },
    { name: 'http-below-wiring', comment: 'routes do not import the wiring', severity: 'error', from: { path: HTTP }, to: { path: WIRING, pathNot: ['^gateway/deps\\.ts$'] } },
    { name: 'verifier-offline', comment: 'the offline verifier reaches only pure modules', severity: 'error', from: { path: '^gateway/audit/verify-bundle\\.ts$' }, to: { reachable: true, path: '^(gateway|certs)/', pathNot: PURE } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: ['^node_modules', '^dist/', '^tests/', '^bench/', '^web/'] },
  },
};
