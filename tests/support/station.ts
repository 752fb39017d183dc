/**
 * A test gateway with agencies reached through the exchange station and a real mock
 * station (adapters/docstation-xml/mock.ts) over HTTP: `customs` (江州海关, known to the
 * station) and `seaport` (a member the station does not know: its packages come back
 * as 回退). The station trusts the gateway's package certificate for every department
 * (so it checks the XML signature), signs its answers and inbound deliveries with its own
 * RSA key; the gateway trusts that key's certificate (documents.stationCertificateFile).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../gateway/clock';
import { createRootCa } from '../../certs/ca';
import { demoAgreements, demoMembers, stationMembers } from '../../gateway/registry/demo';
import type { Member } from '../../gateway/registry/members';
import { usccCheckChar } from '../../gateway/schemas/identifiers';
import { startMockStation, type MockStation } from '../../adapters/docstation-xml/mock';
import { startTestGateway, type TestGateway } from './gateway';
import { as, documentPeople, housingNotice } from './documents';
import { scratchDir } from '../crypto/support';

export const seaport: Member = { ...stationMembers[0]!, code: 'seaport', name: '江州港口管理局', uscc: `11360100MB7890123${usccCheckChar('11360100MB7890123')}` };

export interface StationWorld {
  t: TestGateway;
  station: MockStation;
  tok: Record<string, string>;
  tmp: ReturnType<typeof scratchDir>;
  stationKey: { privateKeyPem: string; certPem: string };
  /** A sealed 通知 of 市住建局 to these addressees, distributed; its id. */
  distribute(addressees: { main: string[]; copy?: string[] }): Promise<string>;
  trace(id: string): Promise<any>;
  close(): Promise<void>;
}

export async function startStationWorld(config: Record<string, unknown> = {}): Promise<StationWorld> {
  const tmp = scratchDir('station');
  const clock = new ManualClock();
  const ca = createRootCa({ alg: 'rsa', subject: { C: 'CN', O: '江州市电子公文交换站', CN: 'test station' }, days: 30, now: new Date(clock.now().getTime() - 86_400_000) });
  const stationKey = { privateKeyPem: ca.privatePem!, certPem: ca.certPem };
  const senderCertificates = new Map<string, string>();
  const station = await startMockStation({ recipients: ['customs'], senderCertificates, stationKey, clock });
  const t = await startTestGateway({
    clock,
    members: [...demoMembers, ...stationMembers, seaport],
    agreements: demoAgreements,
    config: {
      ...config,
      documents: { stationCertificateFile: tmp.write('station.cert.pem', ca.certPem) },
      // the gateway reads only answers the station signed
      adapters: Object.fromEntries(['customs', 'seaport'].map((c) => [c, { endpoint: `${station.url}/packages`, stationCertificate: ca.certPem }])),
    },
  });
  const packageCert = t.gw.deps.trust.packageSigning!.certPem;
  for (const m of demoMembers) senderCertificates.set(m.code, packageCert);
  fs.writeFileSync(path.join(tmp.dir, 'gateway-package.cert.pem'), packageCert);
  const tok = await documentPeople(t);
  const clerk = as(t, tok['housing.clerk']!);
  let n = 0;
  return {
    t,
    station,
    tok,
    tmp,
    stationKey,
    async distribute(addressees) {
      const draft = await clerk.post('/api/v1/documents', { document: housingNotice({ title: `江州市住房和城乡建设局关于开展第${++n}次建筑工地扬尘专项检查的通知` }), addressees });
      const id = draft.body.id as string;
      await clerk.post(`/api/v1/documents/${id}/review`);
      await as(t, tok['housing.signer']!).post(`/api/v1/documents/${id}/sign-off`);
      await clerk.post(`/api/v1/documents/${id}/register`, { agencyCode: '江住建' });
      await clerk.post(`/api/v1/documents/${id}/seal`);
      const sent = await clerk.post(`/api/v1/documents/${id}/distribute`);
      if (sent.status !== 200) throw new Error(`distribute: ${sent.status} ${sent.text}`);
      return id;
    },
    trace: async (id) => (await as(t, tok['housing.clerk']!).get(`/api/v1/documents/${id}/trace`)).body,
    async close() {
      await station.close();
      await t.close();
      tmp.cleanup();
    },
  };
}
