import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { buildHeader, payloadDigestAlgFor } from '../crypto/envelope';
import type { LogHashAlg } from '../merkle/hash';
import type { Trust } from '../trust/trust';
import type { Member } from '../registry/members';
import { sealBatch } from '../exchange/seal';
import { writeBatch } from '../exchange/write-batch';
import { requestText } from '../exchange/push';
import type { PreparedMessage } from '../exchange/types';
import { buildPackage } from '../../adapters/docstation-xml/package';
import { signPackage } from '../../adapters/docstation-xml/xmldsig';
import { docstationXml, STATION_OPERATION } from '../../adapters/docstation-xml/adapter';
import { provenance } from '../../adapters/mapping/provenance';
import { OFFICIAL_DOCUMENT_TYPE } from './model';
import type { DocumentRow } from './records';
import { stationPackageFor } from './station';

/**
 * 分发 through the exchange station. An addressee whose member adapter is `docstation-xml`
 * is external: it gets one package (交换包) of its own, naming it as the only 接收机关 (主送
 * or 抄送 as the document addresses it), signed with the gateway's package key (enveloped
 * XMLDSig, RSA-SHA256; the GB/T 38540 seal travels inside). The package is written as an
 * exchange message from the sending department to the addressee — in the 分发 transaction,
 * so a distributed document always has its packages queued — with the signed XML as the
 * message's converted form: the outbox sends exactly those bytes and resends them (retries,
 * backoff, dead letters, admin replay) until the station answers 回执 or 回退
 * (station-answers.ts). The package id (包标识) is the message's messageId.
 */
export const STATION_ADAPTER = docstationXml.name;
export const STATION_PURPOSE = 'document-exchange';

export const reachedThroughStation = (m: Member | undefined): boolean => m?.adapter === STATION_ADAPTER;

export interface StationOutDeps {
  trust: Trust;
  alg: LogHashAlg;
  member(code: string): Member | undefined;
}

export interface QueuedPackage {
  addressee: string;
  packageId: string;
  message: string;
}

/**
 * An exchange message from a department to an agency reached through the station whose
 * converted form is the signed XML `xml` (what the outbox sends): a package (交换包, type
 * official-document) or a department's answer (type document-answer, station-receipts.ts).
 * messageId = the package's 包标识 / the answer's 回执标识.
 */
export function stationMessage(
  deps: StationOutDeps,
  m: { messageId: string; sender: string; receiver: string; type: string; purpose: string; payload: unknown; xml: string; senderSystem: string; at: Date },
): PreparedMessage {
  const signer = deps.trust.signerFor(m.sender);
  if (!signer) throw new Error(`no signing key for department ${m.sender}`);
  const canonical = canonicalJson(m.payload);
  const native = { operation: STATION_OPERATION, mediaType: 'application/xml' as const, text: m.xml };
  const fields = { messageId: m.messageId, sender: m.sender, receiver: m.receiver, type: m.type, caseId: null, purpose: m.purpose };
  const header = buildHeader({ ...fields, time: formatTime(m.at) }, canonical, payloadDigestAlgFor(signer));
  return {
    id: newId(),
    ...fields,
    senderSystem: m.senderSystem,
    payload: m.payload,
    digestAlg: header.payloadDigest.alg,
    digest: header.payloadDigest.value,
    requestDigest: digestHex('sha256', requestText({ to: m.receiver, type: m.type, purpose: m.purpose }, null, canonical)),
    receivedAt: m.at,
    deliveryMode: 'push',
    header,
    conversion: { native, provenance: provenance({ adapter: docstationXml.name, adapterVersion: docstationXml.version, mappingVersion: docstationXml.mappingVersion }, canonical, native, header.payloadDigest.alg) },
  };
}

/** Queues one signed package per external addressee; returns what was queued (for the 分发 event). */
export async function queueStationPackages(
  db: Db,
  deps: StationOutDeps,
  doc: DocumentRow,
  receipts: { id: string; recipient: string; copy: boolean }[],
  senderSystem: string,
  at: Date,
): Promise<QueuedPackage[]> {
  const external = receipts.filter((r) => reachedThroughStation(deps.member(r.recipient)));
  if (!external.length) return [];
  const key = deps.trust.packageSigning;
  if (!key) throw new GatewayError('GW_ERR_DOCUMENT_INVALID_TRANSITION', 'the gateway has no exchange-station package key (PKI station/package.key.pem); addressees reached through the station cannot be sent to');
  const senderName = deps.member(doc.sender)?.name ?? doc.sender;
  const prepared: PreparedMessage[] = [];
  const rows: { r: (typeof external)[number]; packageId: string; sha256: string }[] = [];
  for (const r of external) {
    const packageId = newId();
    const pkg = await stationPackageFor(db, doc.id, packageId, senderName, at);
    pkg.recipients = r.copy ? { main: [], copy: [r.recipient] } : { main: [r.recipient], copy: [] };
    const xml = signPackage(buildPackage(pkg), key.privateKeyPem, key.certPem);
    prepared.push(stationMessage(deps, { messageId: packageId, sender: doc.sender, receiver: r.recipient, type: OFFICIAL_DOCUMENT_TYPE, purpose: STATION_PURPOSE, payload: doc.document, xml, senderSystem, at }));
    rows.push({ r, packageId, sha256: digestHex('sha256', xml) });
  }
  const sealed = await sealBatch(deps.trust, deps.alg, prepared, at);
  await writeBatch(db, sealed);
  await db.query(
    `INSERT INTO station_packages (direction, package_id, sha256, document_id, receipt_id, message_id, peer, created_at)
     SELECT 'out', t.package_id, t.sha256, $1, t.receipt_id, t.message_id, t.peer, $2
     FROM unnest($3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[]) AS t(package_id, sha256, receipt_id, message_id, peer)`,
    [doc.id, at, rows.map((x) => x.packageId), rows.map((x) => x.sha256), rows.map((x) => x.r.id), prepared.map((m) => m.id), rows.map((x) => x.r.recipient)],
  );
  return rows.map((x, i) => ({ addressee: x.r.recipient, packageId: x.packageId, message: prepared[i]!.id }));
}
