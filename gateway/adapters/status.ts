import type { CircuitReport } from '../../adapters/types';
import type { Directory } from '../registry/directory';
import type { AdapterBindings } from './bindings';
import type { ReceiverDeliveryState } from '../delivery/receiver-state';

/** One member's adapter as the administrators see it (GET /admin/adapters). */
export interface AdapterStatus {
  member: string;
  name: string;
  adapter: string;
  /** The adapter's Chinese title and version (null: the member is not bound). */
  title: string | null;
  version: string | null;
  deliveryMode: 'push' | 'pull';
  /** Where its connection sends: the agency's or station's endpoint, else the member's webhook; never credentials. */
  endpoint: string | null;
  /** Messages per webhook request for a member that takes batches (adapter config batchMax); null: one per request. */
  batchMax: number | null;
  /** The connection's circuit breaker; null: the adapter has none (REST webhooks, pull members). */
  circuit: CircuitReport | null;
  /** Its push deliveries: the receiver's delivery breaker, whether paused, its backlog (null: not known, e.g. a member added since). */
  delivery: ReceiverDeliveryState | null;
}

/** A URL without user information (user:password@) or query: what may be shown. */
function shown(url: unknown): string | null {
  if (typeof url !== 'string' || !url) return null;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return null;
  }
}

/** Every active member's adapter, endpoint, circuit and delivery state, by member code. */
export function adapterStatuses(
  directory: Pick<Directory, 'allMembers'>,
  adapters: Pick<AdapterBindings, 'adapterOf' | 'configOf' | 'connectionOf'>,
  deliveries: ReadonlyMap<string, ReceiverDeliveryState> = new Map(),
): AdapterStatus[] {
  return directory
    .allMembers()
    .map((m) => {
      const adapter = adapters.adapterOf(m.code);
      const connection = adapters.connectionOf(m.code);
      return {
        member: m.code,
        name: m.name,
        adapter: m.adapter,
        title: adapter?.title ?? null,
        version: adapter?.version ?? null,
        deliveryMode: m.deliveryMode,
        endpoint: shown(adapters.configOf(m.code)?.endpoint) ?? shown(m.webhookUrl),
        batchMax: connection?.batch?.max ?? null,
        circuit: connection?.circuit() ?? null,
        delivery: deliveries.get(m.code) ?? null,
      };
    })
    .sort((a, b) => a.member.localeCompare(b.member));
}
