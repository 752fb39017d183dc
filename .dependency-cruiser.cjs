/**
 * The layers of xgw as code (run by `npm test`: tests/architecture/layers.test.ts).
 *
 *   pure  ←  data  ←  domain  ←  http  ←  wiring
 *
 * pure    hashing, signing, canonical JSON, Merkle maths (gateway/merkle, used by the
 *         log and by batch signatures alike; crypto/ never imports log/), the offline
 *         verifier and the types it reads (audit/bundle.ts, exchange/model.ts), the
 *         error catalogue, clock, ids, the lifecycle tables helper, the message header
 *         mapper and the group-commit queue (gateway/batching): no I/O, shared with the
 *         standalone verifier; the 公文 model, marks, dates and plain-text importer
 *         (gateway/documents, all but routes/openapi), the GB/T 38540 seal DER, picture and verifier
 * data    gateway/store (PostgreSQL / PGlite, migrations)
 * domain  registry, exchange, delivery, services, inbound, log store, audit, trust
 * http    gateway/http and each feature's routes.ts / openapi.ts (and its openapi-<part>.ts)
 * wiring  gateway.ts, app.ts, deps.ts, cli/
 * Adapters (adapters/) never import gateway/ (they throw AdapterError; the gateway maps it to
 * its catalogue in gateway/adapters/boundary.ts); no import cycles, type-only ones included.
 * The offline verifier reaches only pure modules (type-only imports included) and no
 * package but node:crypto, node-forge and @noble/curves (SM2 arithmetic, with its @noble/hashes).
 */
const PURE = [
  '^gateway/crypto/',
  '^gateway/batching/',
  '^gateway/merkle/',
  '^gateway/log/(checkpoint|entries|note)\\.ts$',
  '^gateway/exchange/model\\.ts$',
  '^gateway/audit/(bundle|document-bundle|report|verify-[a-z-]+)\\.ts$',
  '^gateway/(clock|ids|errors|lifecycle)\\.ts$',
  '^gateway/exchange/message-header\\.ts$',
  '^gateway/cases/(calendar|lifecycle|timeline)\\.ts$',
  '^gateway/supervision/rules\\.ts$',
  '^gateway/documents/(model|numerals|classification|normalize|decode|importer|import-head|import-tail|parsed-text|lexicon|segments|ses|seal-verify|seal-picture)\\.ts$',
  '^certs/(chain|certificate|crl|asn1|parse)\\.ts$',
];
const DATA = ['^gateway/store/'];
const HTTP = ['^gateway/http/', '^gateway/[a-z-]+/routes\\.ts$', '^gateway/[a-z-]+/openapi\\.ts$', '^gateway/[a-z-]+/openapi-[a-z]+\\.ts$', '^gateway/inbound/'];
const WIRING = ['^gateway/(gateway|app|deps)\\.ts$', '^gateway/cli/'];
/** Resolved paths: npm packages as node_modules/<name>/…, core modules by name (node: prefix dropped). */
const IO_PACKAGES = ['^node_modules/(pg|@electric-sql/pglite|express|soap|pino|prom-client)/', '^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|child_process)$'];
/** What the offline verifier may use besides pure modules. */
const VERIFIER_PACKAGES = ['^(node:)?crypto$', '^node_modules/node-forge/', '^node_modules/@noble/(curves|hashes)/'];

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycles, type-only ones included', severity: 'error', from: {}, to: { circular: true } },
    { name: 'adapters-stand-alone', comment: 'adapters import nothing from gateway/', severity: 'error', from: { path: '^adapters/' }, to: { path: '^gateway/' } },
    { name: 'pure-imports-pure', comment: 'pure modules import only pure modules', severity: 'error', from: { path: PURE }, to: { path: '^(gateway|certs|adapters)/', pathNot: PURE } },
    { name: 'pure-has-no-io', comment: 'pure modules use no database, network, file or HTTP package', severity: 'error', from: { path: PURE }, to: { dependencyTypesNot: ['type-only'], path: IO_PACKAGES } },
    { name: 'merkle-is-maths', comment: 'the Merkle maths (RFC 9162) imports nothing else of ours', severity: 'error', from: { path: '^gateway/merkle/' }, to: { path: '^(gateway|certs|adapters)/', pathNot: '^gateway/merkle/' } },
    { name: 'crypto-below-log', comment: 'signing and batch signatures use the Merkle maths, never the log built on them', severity: 'error', from: { path: ['^gateway/crypto/', '^gateway/merkle/'] }, to: { path: '^gateway/log/' } },
    { name: 'data-below-domain', comment: 'the store knows nothing of the domain, HTTP or wiring', severity: 'error', from: { path: DATA }, to: { path: '^gateway/', pathNot: [...PURE, ...DATA] } },
    { name: 'domain-below-http', comment: 'domain modules do not import HTTP or wiring', severity: 'error', from: { path: '^gateway/', pathNot: [...PURE, ...DATA, ...HTTP, ...WIRING] }, to: { path: [...HTTP, ...WIRING] } },
    { name: 'http-below-wiring', comment: 'routes do not import the wiring', severity: 'error', from: { path: HTTP }, to: { path: WIRING, pathNot: ['^gateway/deps\\.ts$'] } },
    { name: 'verifier-offline', comment: 'the offline verifier reaches only pure modules', severity: 'error', from: { path: '^gateway/audit/verify-bundle\\.ts$' }, to: { reachable: true, path: '^(gateway|certs)/', pathNot: PURE } },
    { name: 'verifier-packages', comment: 'the offline verifier uses no package but node:crypto, node-forge and @noble/curves', severity: 'error', from: { path: '^gateway/audit/verify-bundle\\.ts$' }, to: { reachable: true, path: '^(?!gateway/|certs/)', pathNot: VERIFIER_PACKAGES } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // node_modules is not followed but stays visible, so rules can name packages.
    exclude: { path: ['^dist/', '^tests/', '^bench/', '^web/'] },
  },
};
