import type { GatewayConfig } from './config';
import type { Store } from './store/db';
import type { Clock } from './clock';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { SchemaRegistry } from './schemas/registry';
import type { Directory } from './registry/directory';
import type { AdapterBindings } from './adapters/bindings';
import type { ServiceBroker } from './services/call';
import type { Authenticator } from './http/auth';
import type { ExchangeWriter } from './exchange/writer';
import type { DeliveryWorker } from './delivery/worker';
import type { Trust } from './trust/trust';
import type { LogIntegrator } from './log/integrator';
import type { RetentionJob } from './retention/job';
import type { OrphanBlobSweeper } from './documents/orphans';
import type { BodyArchive } from './retention/archive';
import type { Witnessing } from './log/witnessing';
import type { RegistryWatcher } from './registry/live';
import type { CaseProjector } from './cases/projector';
import type { SupervisionRunner } from './supervision/runner';
import { convertFor, type PushDeps } from './exchange/push';

/**
 * Everything the gateway is made of; built once by gateway.ts, passed to buildApp, which
 * hands each router only the part it uses (Pick<GatewayDeps, …>). Domain modules never see it.
 */
export interface GatewayDeps {
  config: Readonly<GatewayConfig>;
  store: Store;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  schemas: SchemaRegistry;
  directory: Directory;
  adapters: AdapterBindings;
  services: ServiceBroker;
  auth: Authenticator;
  writer: ExchangeWriter;
  delivery: DeliveryWorker;
  trust: Trust;
  integrator: LogIntegrator;
  /** Sends new checkpoints to the configured witnesses and keeps their cosignatures. */
  witnessing: Witnessing;
  /** Reloads the registry on every change, in this process and the others (registry/live.ts). */
  registry: RegistryWatcher;
  /** 办件 supervision: the case projection from the log, with the working-day calendar. */
  cases: CaseProjector;
  /** Message bodies past the retention period leave the database (archived or dropped); `archive` reads them back. */
  retention: RetentionJob;
  /** 公文 attachment blobs no document references, removed after the grace period. */
  orphans: OrphanBlobSweeper;
  archive: BodyArchive | null;
  /** 电子监察 on a schedule: 黄牌 / 红牌 cards on case branches, logged and sent to the departments. */
  supervision: SupervisionRunner;
}

/** The push checks' view of the gateway (the JSON API and the inbound SOAP endpoints). */
export const pushDeps = (deps: Pick<GatewayDeps, 'clock' | 'schemas' | 'directory' | 'trust' | 'config' | 'adapters'>): PushDeps => ({
  clock: deps.clock,
  schemas: deps.schemas,
  agreements: deps.directory.agreements,
  members: (c) => deps.directory.member(c),
  trust: deps.trust,
  maxClockSkewMs: deps.config.trust.maxClockSkewSeconds * 1000,
  convert: (receiver, type, payload, canonicalPayload, alg) => convertFor(deps.adapters.adapterOf(receiver), type, payload, canonicalPayload, alg),
});
