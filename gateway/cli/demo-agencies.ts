import fs from 'node:fs';
import path from 'node:path';
import { startMockAgencies, type MockAgencies } from '../../adapters/mock-agencies';
import { startMockStation, type MockStation } from '../../adapters/docstation-xml/mock';
import { createRootCa } from '../../certs/ca';
import { buildConfig, type GatewayConfig } from '../config';
import { demoMembers, stationMembers, type DemoCredentials } from '../registry/demo';

/**
 * Demo mode: the vertical agencies are mock SOAP servers on loopback (市场监管 SOAP 1.1,
 * 税务 SOAP 1.2 + GBK + UsernameToken), and the gateway's amr/tax adapters point at them;
 * the municipal exchange station (市电子公文交换站) is a mock too: the agencies reached
 * through it (registry/demo.ts stationMembers) take their 公文 packages there, and the
 * gateway trusts the station's certificate (its own RSA key, made per start) for the
 * packages it delivers. Call `trustGateway` once the gateway's package key is known: the
 * station then insists on the gateway's XML signature.
 */
export interface DemoAgencies {
  agencies: MockAgencies;
  station: MockStation;
  config: Readonly<GatewayConfig>;
  trustGateway(packageCertPem: string): void;
  close(): Promise<void>;
}

export async function startDemoAgencies(config: Readonly<GatewayConfig>, creds: DemoCredentials): Promise<DemoAgencies> {
  const tax = creds.agencies.tax;
  // Next to the gateway's port (8081, 8082 and, for the station, 8084 by default; the witness takes 8083), so the README's tour can reach them; any free port when the gateway's is 0.
  const near = (n: number) => (config.port ? config.port + n : 0);
  const agencies = await startMockAgencies({ host: '127.0.0.1', amrPort: near(1), taxPort: near(2), taxCredentials: tax });
  const stationCa = createRootCa({ alg: 'rsa', subject: { C: 'CN', O: '江州市电子公文交换站', CN: '江州市电子公文交换站 (模拟) 交换包签名' }, days: 30 });
  const senderCertificates = new Map<string, string>();
  const station = await startMockStation({
    port: near(4),
    recipients: stationMembers.map((m) => m.code),
    senderCertificates,
    stationKey: { privateKeyPem: stationCa.privatePem!, certPem: stationCa.certPem },
  });
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const stationCertificateFile = path.join(config.dataDir, 'demo-station.cert.pem');
  fs.writeFileSync(stationCertificateFile, stationCa.certPem, { mode: 0o644 });
  const withAgencies = buildConfig({
    ...(structuredClone(config) as unknown as Record<string, unknown>),
    documents: { ...config.documents, stationCertificateFile },
    adapters: {
      // the mock agencies (and the README's curl) post status reports from this machine
      amr: { endpoint: agencies.amr.url, inbound: { allowFrom: ['127.0.0.1', '::1'] } },
      tax: { endpoint: agencies.tax.url, credentials: tax, inbound: { credentials: tax, allowFrom: ['127.0.0.1', '::1'] } },
      ...Object.fromEntries(stationMembers.map((m) => [m.code, { endpoint: `${station.url}/packages`, stationCertificate: stationCa.certPem }])),
      ...config.adapters,
    },
  });
  return {
    agencies,
    station,
    config: withAgencies,
    trustGateway: (pem) => demoMembers.forEach((m) => senderCertificates.set(m.code, pem)),
    close: async () => {
      await agencies.close();
      await station.close();
    },
  };
}
