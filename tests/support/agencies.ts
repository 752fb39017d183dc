import type { Store } from '../../gateway/store/db';
import { startTestGateway, TEST_PASSWORD, type TestGateway } from './gateway';
import { ManualClock } from '../../gateway/clock';
import { startMockAgencies, type MockAgencies } from '../../adapters/mock-agencies';
import { demoAgreements, demoMembers } from '../../gateway/registry/demo';
import type { Agreement } from '../../gateway/registry/agreements';

/** The mock agencies call the gateway's inbound endpoints from loopback. */
export const LOOPBACK = ['127.0.0.1', '::1'];

export const TAX_CREDENTIALS = { username: 'jz-tax-gw', password: 'tax-secret-正确' };


export interface AgencyWorld {
  t: TestGateway;
  agencies: MockAgencies;
  admin: string;
  close(): Promise<void>;
}

/**
 * A test gateway whose amr and tax members are the mock agencies (real SOAP servers
 * on loopback), delivered by push through their adapters, with short timeouts and a
 * quick circuit breaker so failure paths run in milliseconds.
 */
export async function startAgencyWorld(
  opts: {
    agreements?: Agreement[];
    circuit?: { failures: number; halfOpenAfterMs: number };
    amr?: Record<string, unknown>;
    /** Outbox settings over the world's own (e.g. breakAfterFailures). */
    delivery?: Record<string, number>;
    /** Fault injection around the real store (see startTestGateway). */
    wrapStore?: (store: Store) => Store;
    /** More gateway configuration (sections other than delivery and adapters, e.g. retention). */
    config?: Record<string, unknown>;
  } = {},
): Promise<AgencyWorld> {
  // One clock for the gateway and the tax mock: each checks the other's UsernameToken Created against it.
  const clock = new ManualClock();
  const agencies = await startMockAgencies({ taxCredentials: TAX_CREDENTIALS, clock });
  const members = demoMembers.map((m) => (m.code === 'amr' || m.code === 'tax' ? { ...m, deliveryMode: 'push' as const } : m));
  const circuit = opts.circuit ?? { failures: 3, halfOpenAfterMs: 300 };
  const t = await startTestGateway({
    wrapStore: opts.wrapStore,
    clock,
    members,
    agreements: [...demoAgreements, ...(opts.agreements ?? [])],
    config: {
      ...opts.config,
      delivery: { maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 2000, requestTimeoutMs: 2000, ...opts.delivery },
      adapters: {
        amr: { endpoint: agencies.amr.url, timeoutMs: 800, circuit, inbound: { allowFrom: LOOPBACK }, ...opts.amr },
        tax: { endpoint: agencies.tax.url, timeoutMs: 800, circuit, credentials: TAX_CREDENTIALS, inbound: { credentials: TAX_CREDENTIALS, allowFrom: LOOPBACK } },
      },
    },
  });
  const admin = (await t.call('POST', '/api/v1/auth/login', { body: { login: 't.admin', password: TEST_PASSWORD } })).body.token as string;
  return {
    t,
    agencies,
    admin,
    async close() {
      await t.close();
      await agencies.close();
    },
  };
}

/** Runs the outbox until nothing is due, moving the manual clock past every backoff. */
export async function drainOutbox(t: TestGateway, rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await t.gw.deps.delivery.runOnce();
    t.clock.advance(5_000);
  }
}
