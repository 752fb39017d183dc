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

/** Everything a request handler may use; built once by gateway.ts, passed to buildApp. */
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
}
