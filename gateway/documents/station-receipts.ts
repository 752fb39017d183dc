import type { Db } from '../store/db';
import type { SchemaRegistry } from '../schemas/registry';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import { digestHex } from '../crypto/digest';
import { sealBatch } from '../exchange/seal';
import { writeBatch } from '../exchange/write-batch';
import { buildDepartmentAnswer } from '../../adapters/docstation-xml/answer';
import { signPackage } from '../../adapters/docstation-xml/xmldsig';
import type { DocumentRow, ReceiptRow } from './records';
import { stationMessage, type StationOutDeps } from './station-out';

/**
 * The 签收 回执 / 退回 回退 of a 收文 that came in through the exchange station goes back to its
 * external sender through the station. In the 收文 step's transaction: the department's answer
 * (回执 or 回退 with the reason, naming the inbound package by 包标识 and by the SHA-256 of its
 * bytes as received, with its own 回执标识), signed with the gateway's package key (enveloped
 * XMLDSig), queued as an exchange message from the department to the sender — type
 * document-answer (schemas/document-answer.schema.json, the payload checked against it), purpose
 * document-receipt, messageId = 回执标识, payload = what the department signed — so the outbox
 * sends it like a package: retries with backoff, dead letters, replay — and linked to the
 * document and receipt (station_packages, direction 'answer'). A 收文 that did not come through
 * the station queues nothing.
 *
 * Answers queued by earlier versions are messages of type official-document with this purpose:
 * their type is in the signed header and log entry, so they stay as they are; everything that
 * reads answers finds them through station_packages (direction 'answer'), never by type.
 */
export const STATION_ANSWER_TYPE = 'document-answer';
export const STATION_ANSWER_PURPOSE = 'document-receipt';

export interface QueuedAnswer {
  answerId: string;
  message: string;
  to: string;
}

export async function queueStationAnswer(
  db: Db,
  deps: StationOutDeps & { schemas: SchemaRegistry },
  doc: DocumentRow,
  receipt: ReceiptRow,
  answer: { kind: '回执' } | { kind: '回退'; reason: string },
  signed: { text: string } | undefined,
  senderSystem: string,
  at: Date,
): Promise<QueuedAnswer | null> {
  const r = await db.query<{ package_id: string; received_sha256: string | null; sha256: string; peer: string }>(
    `SELECT package_id, received_sha256, sha256, peer FROM station_packages WHERE direction = 'in' AND document_id = $1`,
    [doc.id],
  );
  const inbound = r.rows[0];
  if (!inbound) return null;
  const key = deps.trust.packageSigning;
  if (!key) throw new GatewayError('GW_ERR_DOCUMENT_INVALID_TRANSITION', 'the gateway has no exchange-station package key (PKI station/package.key.pem); the answer cannot go back through the station');
  const answerId = newId();
  const common = { packageId: inbound.package_id, packageSha256: inbound.received_sha256 ?? inbound.sha256, at: formatTime(at), answerId, from: { code: receipt.recipient, name: deps.member(receipt.recipient)?.name ?? receipt.recipient }, to: inbound.peer };
  const xml = signPackage(
    buildDepartmentAnswer(answer.kind === '回执' ? { kind: '回执', duplicate: false, ...common } : { kind: '回退', reason: answer.reason, ...common }),
    key.privateKeyPem,
    key.certPem,
  );
  const payload = { kind: answer.kind === '回执' ? 'receipt' : 'return', document: doc.id, packageId: inbound.package_id, answerId, signed: signed?.text ?? null };
  const valid = deps.schemas.validate(STATION_ANSWER_TYPE, payload);
  if (!valid.ok) throw new Error(`the station answer is not a valid ${STATION_ANSWER_TYPE}: ${JSON.stringify(valid.errors)}`);
  const message = stationMessage(deps, { messageId: answerId, sender: receipt.recipient, receiver: inbound.peer, type: STATION_ANSWER_TYPE, purpose: STATION_ANSWER_PURPOSE, payload, xml, senderSystem, at });
  await writeBatch(db, await sealBatch(deps.trust, deps.alg, [message], at));
  await db.query(
    `INSERT INTO station_packages (direction, package_id, sha256, document_id, receipt_id, message_id, peer, created_at) VALUES ('answer', $1, $2, $3, $4, $5, $6, $7)`,
    [answerId, digestHex('sha256', xml), doc.id, receipt.id, message.id, inbound.peer, at],
  );
  return { answerId, message: message.id, to: inbound.peer };
}
