import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { Express } from 'express';
import type { GatewayConfig } from './config';
import type { Store } from './store/db';
import { openStore } from './store/open';
import { migrate } from './store/migrate';
import { systemClock, type Clock } from './clock';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { SchemaRegistry } from './schemas/registry';
import { schemasDir } from './schemas/paths';
import { Directory } from './registry/directory';
import { Authenticator } from './http/auth';
import { ExchangeWriter } from './exchange/writer';
import { DeliveryWorker } from './delivery/worker';
import { webhookSigner } from './delivery/webhook-signer';
import { Periodic } from './periodic';
import { applyStationAnswer } from './documents/station-answers';
import { AdapterBindings } from './adapters/bindings';
import { adapterStatuses } from './adapters/status';
import { ServiceBroker } from './services/call';
import { buildApp } from './app';
import { Trust } from './trust/trust';
import { integratorOptions, LogIntegrator } from './log/integrator';
import { ensureLogHead } from './log/store';
import { Witnessing } from './log/witnessing';
import { WorkingCalendar } from './cases/calendar';
import { CASE_MESSAGE_TYPES, CaseProjector } from './cases/projector';
import { sealBatch } from './exchange/seal';
import { signReceipts } from './exchange/receipts';
import { pushDeps, type GatewayDeps } from './deps';
import { SupervisionRunner } from './supervision/runner';
import { RegistryWatcher } from './registry/live';
import { drainable, type Drain } from './http/drain';
import { RetentionJob } from './retention/job';
import { OrphanBlobSweeper } from './documents/orphans';
import { expiries, expiryWarnings } from './trust/expiry';

export interface Gateway {
  deps: GatewayDeps;
  app: Express;
  /** Listens on config.port (0 = any free port); resolves to the base URL. */
  listen(port?: number): Promise<string>;
  /** Requests received and not yet answered. */
  inFlight(): number;
  /**
   * Stops accepting, lets requests in flight finish (config.shutdownTimeoutMs, then their
   * connections are cut), drains the write queue and the outbox pass under way, signs the
   * last checkpoint, closes the store (if owned).
   */
  close(): Promise<void>;
}

export interface GatewayOptions {
  clock?: Clock;
  /** An already open store (tests); otherwise opened from config and closed on close(). */
  store?: Store;
  logDestination?: DestinationStream;
  /** Start the outbox worker's timer (default: config.delivery.enabled). Tests drive runOnce() instead. */
  startDelivery?: boolean;
  /** Start the supervision schedule (default: config.supervision.enabled). Tests drive runOnce() instead. */
  startSupervision?: boolean;
  /** Start the log integrator's timer (default true). Tests drive runOnce() instead. */
  startIntegrator?: boolean;
  /** Start the retention timer (default true; it does nothing unless retention.bodiesAfterDays is set) and the orphan attachment sweep. Tests drive runOnce() instead. */
  startRetention?: boolean;
  random?: () => number;
  /** Export process and Node.js metrics (CPU, memory, event loop, GC) on /metrics (default true; test harnesses running many gateways in one process turn it off). */
  processMetrics?: boolean;
}

const trustOptionsOf = (config: Readonly<GatewayConfig>, now: Date) => ({
  pkiDir: config.trust.pkiDir ?? Trust.defaultDir(config.dataDir),
  logKeyAlg: config.trust.logKeyAlg,
  issueDepartmentKeys: config.trust.issueDepartmentKeys,
  now,
  acceptLegacySm2Certificates: config.trust.acceptLegacySm2Certificates,
});

/**
 * Creates the PKI's missing keys and certificates and registers them, once, before several
 * gateway processes start on it (XGW_WORKERS): they would otherwise race to make the same keys.
 */
export async function preparePki(config: Readonly<GatewayConfig>, store: Store, clock: Clock): Promise<Trust> {
  const directory = new Directory(store, clock);
  await directory.reload();
  await ensureLogHead(store, config.trust.logHashAlg);
  return Trust.open(store, directory.allMembers(), trustOptionsOf(config, clock.now()));
}

/** Wires a gateway from config: store, migrations, registry, schemas, write path, outbox. */
export async function createGateway(config: Readonly<GatewayConfig>, opts: GatewayOptions = {}): Promise<Gateway> {
  const log = createLogger(config.logLevel, opts.logDestination);
  const clock = opts.clock ?? systemClock;
  const ownsStore = !opts.store;
  const store = opts.store ?? (await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir }));
  await migrate(store);
  const metrics = createMetrics({ defaultMetrics: opts.processMetrics ?? true });
  const schemas = await SchemaRegistry.load(schemasDir(), { usccMode: config.usccMode });
  const directory = new Directory(store, clock);
  await directory.reload();
  await ensureLogHead(store, config.trust.logHashAlg);
  const trustOptions = () => trustOptionsOf(config, clock.now());
  const trust = await Trust.open(store, directory.allMembers(), trustOptions());
  for (const w of trust.pki.warnings) log.warn(w);
  const adapters = new AdapterBindings(config, (code) => directory.member(code), clock, webhookSigner(() => trust.logSigner, clock));
  adapters.bindAll(directory.allMembers());
  // Certificates expiring within 30 days: in the log at start, after each registry change and daily; on /readyz; as a gauge.
  const warnExpiring = () => {
    for (const w of expiryWarnings(trust.signingCertificates(), clock.now())) log.warn(w);
  };
  const expiryCheck = new Periodic(async () => warnExpiring(), 86_400_000);
  expiryCheck.start();
  metrics.certificates.read = () => expiries(trust.signingCertificates(), clock.now());
  const noteSigner = trust.logNoteSigner;
  const integrator = new LogIntegrator(
    store,
    () => trust.logSigner,
    clock,
    integratorOptions(config.trust),
    log,
    noteSigner ? { signer: noteSigner, origin: config.trust.logOrigin } : null,
  );
  const witnessing = new Witnessing(store, config.trust.logHashAlg, config.trust.witnesses, log, config.trust.witnessTimeoutMs);
  if (witnessing.configured) integrator.onCheckpoint((cp) => void witnessing.submit(cp.size).catch((err) => log.warn({ err }, 'witnessing failed')));
  const auth = new Authenticator(store, clock, config.auth.tokenCacheSeconds);
  const writer = new ExchangeWriter(
    store,
    config.groupCommit,
    log,
    (msgs) => sealBatch(trust, config.trust.logHashAlg, msgs, clock.now()),
    (receipts) => signReceipts(trust, receipts, clock.now()),
    metrics,
  );
  const delivery = new DeliveryWorker(store, adapters, clock, config.delivery, log, config.trust.logHashAlg, metrics, opts.random);
  writer.onCommit((created) => {
    if (created.some((m) => m.deliveryMode === 'push')) delivery.wake();
  });
  // The exchange station's 回执/回退 to a 公文 package settles the addressee's receipt (documents/station-answers.ts).
  delivery.onDelivered((db, d) => applyStationAnswer(db, config.trust.logHashAlg, d.id, d.answer, d.at));
  // 办件 supervision follows the log after each commit of a case message (readers also catch it up first).
  // Message bodies past the retention period: the job moves them, readers (API, evidence, case rebuild) read them back here.
  const retention = new RetentionJob(store, config, clock, config.trust.logHashAlg, log);
  // 公文 attachment blobs no document took up leave after documents.orphanBlobGraceHours.
  const orphans = new OrphanBlobSweeper(store, clock, { graceHours: config.documents.orphanBlobGraceHours, intervalMs: config.documents.orphanSweepIntervalMs }, log);
  const cases = new CaseProjector(store, new WorkingCalendar(config.cases.calendar), log, retention.archive);
  writer.onCommit((created) => {
    if (!created.some((m) => (CASE_MESSAGE_TYPES as readonly string[]).includes(m.type))) return;
    cases.remember(created);
    cases.wake();
  });
  cases.wake();
  metrics.circuits.read = () => adapterStatuses(directory, adapters).flatMap((a) => (a.circuit ? [[a.member, a.circuit.state] as [string, typeof a.circuit.state]] : []));
  const services = new ServiceBroker({ store, clock, log, metrics, trust, directory, adapters, logHashAlg: config.trust.logHashAlg, overlapMinBatch: config.groupCommit.overlapMinBatch });
  // A registry change (here or in another process): the directory, keys for new members, adapter bindings, cached tokens.
  const registry = new RegistryWatcher(
    store,
    async () => {
      await directory.reload();
      await trust.reload(store, directory.allMembers(), trustOptions());
      warnExpiring();
      for (const err of await adapters.rebind(directory.allMembers())) log.error({ err: err.message }, 'registry change not bound; the old binding stays');
      auth.forget();
    },
    config.registry,
    log,
  );
  await registry.start();
  const supervision = new SupervisionRunner(
    { store, clock, cases, alg: config.trust.logHashAlg, push: pushDeps({ clock, schemas, directory, trust, config, adapters }), writer, log },
    config.supervision,
  );
  const deps: GatewayDeps = { config, store, clock, log, metrics, schemas, directory, adapters, services, auth, writer, delivery, trust, integrator, witnessing, registry, cases, supervision, retention, orphans, archive: retention.archive };
  const { app, listener, ready } = buildApp(deps);
  await ready;
  let server: Server | null = null;
  let drain: Drain | null = null;

  if (opts.startDelivery ?? config.delivery.enabled) delivery.start();
  if (opts.startIntegrator ?? true) integrator.start();
  if (opts.startRetention ?? true) {
    retention.start();
    orphans.start();
  }
  if (opts.startSupervision ?? config.supervision.enabled) supervision.start();
  // Revocations and imports made elsewhere (CLI, other processes) reach this process within 5 s.
  const trustRefresh = new Periodic(() => trust.refresh(store).catch((err) => log.warn({ err }, 'certificate refresh failed')), 5000);
  trustRefresh.start();

  return {
    deps,
    app,
    listen(port = config.port) {
      return new Promise((resolve, reject) => {
        server = createServer(listener).listen(port, config.host);
        // Idle keep-alive connections stay open longer than a load balancer's usual idle timeout
        // (60 s), so a client or balancer never sends on a socket the gateway is just closing
        // (ECONNRESET: Node's default is 5 s). Shutdown closes idle connections at once (drain.ts).
        server.keepAliveTimeout = 65_000;
        server.headersTimeout = 66_000;
        drain = drainable(server);
        server.once('error', reject);
        server.once('listening', () => {
          const a = server!.address() as AddressInfo;
          resolve(`http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${a.port}`);
        });
      });
    },
    inFlight: () => drain?.inFlight() ?? 0,
    async close() {
      if (drain) {
        const { cut } = await drain.close(config.shutdownTimeoutMs);
        if (cut) log.warn({ cut, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutdown: requests still unanswered at the deadline were cut');
      }
      await supervision.stop();
      await services.settled();
      await writer.drain();
      await cases.settled();
      await trustRefresh.stop();
      await expiryCheck.stop();
      await registry.stop();
      await delivery.stop();
      await retention.stop();
      await orphans.stop();
      await integrator.stop();
      await witnessing.settled();
      await adapters.close();
      if (ownsStore) await store.close();
    },
  };
}
