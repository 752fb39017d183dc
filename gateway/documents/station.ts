import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import type { StationPackage } from '../../adapters/docstation-xml/package';
import type { OfficialDocument } from './model';
import { readDocument } from './records';
import { sealedBytes, SEALED_CONTENT_FORMAT, type StoredSes } from './seals';
import { attachmentsOf } from './views';

/**
 * A sealed 公文 as an exchange-station package (adapters/docstation-xml): the GB/T 33480
 * metadata from the document's elements (absent ones left out), the 正文, the attachments
 * by digest, the exact sealed bytes (原文) and the department's SES_Signature. Only a
 * sealed (or later) document with a GB/T 38540 seal can go out through the station.
 */
const trimmed = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
const trimmedList = (v: string[] | undefined) => (v?.length ? v.map((x) => x.trim()).filter(Boolean) : undefined);

export function metadataOf(d: OfficialDocument): StationPackage['metadata'] {
  const m: StationPackage['metadata'] = {
    份号: trimmed(d.copyNumber),
    密级: d.secrecy?.level,
    保密期限: trimmed(d.secrecy?.period),
    紧急程度: d.urgency?.level,
    发文机关标志: trimmed(d.issuerMark),
    发文字号: d.documentNumber?.normalized,
    签发人: trimmedList(d.signers),
    标题: trimmed(d.title),
    文种: d.kind,
    主送机关: trimmedList(d.mainRecipients),
    附件说明: trimmed(d.attachmentNote?.text),
    发文机关署名: trimmedList(d.issuingAuthorities),
    成文日期: d.dateWritten?.date,
    附注: trimmed(d.note),
    抄送机关: trimmedList(d.copyTo),
    印发机关: trimmed(d.printingAuthority),
    印发日期: d.printingDate?.date,
  };
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}

export async function stationPackageFor(db: Db, id: string, packageId: string, senderName: string, at: Date): Promise<StationPackage> {
  const doc = await readDocument(db, id);
  if (!doc) throw new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `no official document ${id}`);
  const ses = (doc.seal as { sesSignature?: StoredSes | string } | null)?.sesSignature;
  if (!ses || typeof ses === 'string' || ses.status !== 'signed') {
    throw new GatewayError('GW_ERR_DOCUMENT_INVALID_TRANSITION', `document ${id} has no GB/T 38540 seal (status ${doc.status}); only sealed documents go through the exchange station`);
  }
  const attachments = await attachmentsOf(db, id);
  const digest = (a: (typeof attachments)[number], alg: 'sm3' | 'sha256') => a.digests.find((x) => x.alg === alg)!.value;
  return {
    id: packageId,
    sender: { code: doc.sender, name: senderName },
    recipients: { main: doc.addressees.main, copy: doc.addressees.copy },
    createdAt: formatTime(at),
    metadata: metadataOf(doc.document),
    body: (doc.document.body ?? '').trim(),
    content: { format: SEALED_CONTENT_FORMAT, data: sealedBytes(doc.document, attachments).toString('base64') },
    attachments: attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, size: a.size, sm3: digest(a, 'sm3'), sha256: digest(a, 'sha256') })),
    seal: { format: 'GB/T 38540-2020', sesSignature: ses.der },
  };
}
