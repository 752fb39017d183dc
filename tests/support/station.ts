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
import { randomUUID } from 'node:crypto';
import { startMockStation, type MockStation } from '../../adapters/docstation-xml/mock';
import type { StationPackage } from '../../adapters/docstation-xml/package';
import { metadataOf } from '../../gateway/documents/station';
import type { OfficialDocument } from '../../gateway/documents/model';
import { sealDocument, sealedBytes, SEALED_CONTENT_FORMAT, type AttachmentDigests } from '../../gateway/documents/seals';
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

/** `adapter`: more adapter config for the station's agencies (e.g. attachmentTimeoutMs). */
export async function startStationWorld(config: Record<string, unknown> = {}, adapter: Record<string, unknown> = {}): Promise<StationWorld> {
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
      adapters: Object.fromEntries(['customs', 'seaport'].map((c) => [c, { endpoint: `${station.url}/packages`, stationCertificate: ca.certPem, ...adapter }])),
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

/**
 * A 函 of 江州海关 to 市税务局 as the station would deliver it (unsigned; the mock signs it),
 * sealed with customs' seal (made by the gateway's 制章 identity, as our own seals are), over
 * the document and `attachments` by digest. `tamper` changes one byte of the 原文 after sealing.
 */
export function customsPackage(w: StationWorld, over: { title?: string; tamper?: boolean; attachments?: { name: string; mediaType: string; size: number; sm3: string; sha256: string }[] } = {}): StationPackage {
  const attachments = over.attachments ?? [];
  const refs: AttachmentDigests[] = attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, size: a.size, digests: [{ alg: 'sm3', value: a.sm3 }, { alg: 'sha256', value: a.sha256 }] }));
  const document: OfficialDocument = housingNotice({
    title: over.title ?? '江州海关关于配合开展进出口企业涉税信息核查的函',
    kind: '函',
    issuerMark: undefined,
    mainRecipients: ['国家税务总局江州市税务局'],
    issuingAuthorities: ['中华人民共和国江州海关'],
    documentNumber: { text: '江关函〔2026〕12号', normalized: '江关函〔2026〕12号', agencyCode: '江关函', year: 2026, serial: 12 },
    ...(refs.length ? { attachments: refs } : {}),
  }) as OfficialDocument;
  const content = sealedBytes(document, refs);
  const ses = sealDocument(w.t.gw.deps.trust, 'customs', '中华人民共和国江州海关', content, w.t.clock.now());
  if (ses.status !== 'signed') throw new Error('customs has no SM2 seal');
  if (over.tamper) content[content.indexOf(Buffer.from('扬尘'))] ^= 0x01;
  return {
    id: randomUUID(),
    sender: { code: 'customs', name: '中华人民共和国江州海关' },
    recipients: { main: ['tax'], copy: [] },
    createdAt: '2026-03-02T10:00:00+08:00',
    metadata: metadataOf(document),
    body: document.body ?? '',
    content: { format: SEALED_CONTENT_FORMAT, data: content.toString('base64') },
    attachments,
    seal: { format: 'GB/T 38540-2020', sesSignature: ses.der },
  };
}
