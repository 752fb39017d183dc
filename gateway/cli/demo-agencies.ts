import { startMockAgencies, type MockAgencies } from '../../adapters/mock-agencies';
import { buildConfig, type GatewayConfig } from '../config';
import type { DemoCredentials } from '../registry/demo';

/**
 * Demo mode: the vertical agencies are mock SOAP servers on loopback (市场监管 SOAP 1.1,
 * 税务 SOAP 1.2 + GBK + UsernameToken), and the gateway's amr/tax adapters point at them.
 */
export async function startDemoAgencies(config: Readonly<GatewayConfig>, creds: DemoCredentials): Promise<{ agencies: MockAgencies; config: Readonly<GatewayConfig> }> {
  const tax = creds.agencies.tax;
  // Next to the gateway's port (8081, 8082 by default), so the README's tour can reach them; any free port when the gateway's is 0.
  const near = (n: number) => (config.port ? config.port + n : 0);
  const agencies = await startMockAgencies({ host: '127.0.0.1', amrPort: near(1), taxPort: near(2), taxCredentials: tax });
  const withAgencies = buildConfig({
    ...(structuredClone(config) as unknown as Record<string, unknown>),
    adapters: {
      // the mock agencies (and the README's curl) post status reports from this machine
      amr: { endpoint: agencies.amr.url, inbound: { allowFrom: ['127.0.0.1', '::1'] } },
      tax: { endpoint: agencies.tax.url, credentials: tax, inbound: { credentials: tax, allowFrom: ['127.0.0.1', '::1'] } },
      ...config.adapters,
    },
  });
  return { agencies, config: withAgencies };
}
