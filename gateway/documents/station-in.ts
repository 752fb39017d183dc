import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import { digestHex } from '../crypto/digest';
import { gatewayErrorOf } from '../adapters/boundary';
import { actorName, type Principal } from '../registry/principal';
import { AdapterError } from '../../adapters/errors';
import { parsePackage, type StationPackage } from '../../adapters/docstation-xml/package';
import { signPackage, verifyPackageSignature } from '../../adapters/docstation-xml/xmldsig';
import { buildAnswer } from '../../adapters/docstation-xml/answer';
import { refuseClassifiedPayload } from './classification';
import { matchingForm } from './normalize';
import { OFFICIAL_DOCUMENT_TYPE, type OfficialDocument } from './model';
import { SEALED_CONTENT_FORMAT, type StoredSes } from './seals';
import { verifySesSignature } from './seal-verify';
import { urgencyRank } from './lifecycle';
import { recordDocumentStep } from './records';
import { reachedThroughStation } from './station-out';
import { insertReceipts, refusingClassified, type DocumentDeps } from './workflow';
import { checkSealedAttachments, dropUnlinked, fetchAttachments, linkAttachments, type AttachmentSource } from './station-attachments';

/**
 * A 公文 the exchange station delivers (POST /api/v1/station/packages, as the station
 * member's system). Checked before anything is stored, in this order: the caller is the
 * station; the enveloped XML signature verifies with the station certificate the gateway is
 * configured with (config documents.stationCertificateFile; never the one in KeyInfo); the
 * signed package reads through the hardened gate; its sender is an agency reached through the
 * station and at least one 接收机关 is a department of this gateway; its 原文 carries the
 * document and the GB/T 38540 seal verifies over it (制章人 trusted as for our own seals);
 * the document is not classified and fits the schema. Then one transaction: the document
 * (status 分发, the sender's seal kept), one receipt per addressee department (待签收), the
 * 分发 step on the timeline and in the log, and the package as received. The same package again
 * (same signed content) is recognised: the 回执 again, marked 重复, nothing new stored.
 * The answer is a 回执 naming the package, signed with the gateway's package key.
 */
const refused = (detail: string) => new GatewayError('GW_ERR_STATION_PACKAGE_REFUSED', detail);

function readPackage(signedXml: string): StationPackage {
  try {
    return parsePackage(signedXml);
  } catch (err) {
    throw err instanceof AdapterError ? gatewayErrorOf(err) : err;
  }
}

/** The document and the seal checked against the 原文 the seal covers. */
function sealedDocument(deps: DocumentDeps, pkg: StationPackage): { document: OfficialDocument; ses: StoredSes } {
  if (!pkg.content || pkg.content.format !== SEALED_CONTENT_FORMAT) throw refused(`the package carries no 原文 in ${SEALED_CONTENT_FORMAT}`);
  if (!pkg.seal) throw refused('the package carries no electronic seal (电子印章)');
  const content = Buffer.from(pkg.content.data, 'base64');
  const der = Buffer.from(pkg.seal.sesSignature, 'base64');
  const check = verifySesSignature(der, content, {
    trustedMaker: (fp) => {
      const c = deps.trust.certificate(fp);
      return c !== undefined && c.role === 'log' && c.revokedAt === null;
    },
  });
  if (check.status !== 'verified') throw refused(`the electronic seal does not verify: ${check.reason}`);
  let sealed: { v?: unknown; document?: unknown; attachments?: unknown };
  try {
    sealed = JSON.parse(content.toString('utf8')) as typeof sealed;
  } catch {
    throw refused('the 原文 is not the canonical JSON of a document');
  }
  if (sealed.v !== 1 || !sealed.document || typeof sealed.document !== 'object') throw refused('the 原文 is not the canonical JSON of a document');
  checkSealedAttachments(pkg.attachments, sealed.attachments);
  return { document: sealed.document as OfficialDocument, ses: { status: 'signed', format: 'GB/T 38540-2020', dataHash: { alg: 'sm3', value: digestHex('sm3', content) }, der: pkg.seal.sesSignature } };
}

export interface StationInOptions {
  /** The certificate the station signs packages with (PEM); null: inbound packages are refused. */
  stationCertPem: string | null;
  /** Where the attachments' bytes come from (the station, by SHA-256). */
  attachments: AttachmentSource;
  attachmentLimitBytes: number;
}

export async function receiveStationPackage(deps: DocumentDeps, principal: Principal, xml: string, opts: StationInOptions): Promise<string> {
  const { stationCertPem } = opts;
  if (principal.kind !== 'system' || deps.member(principal.member)?.kind !== 'station') {
    throw new GatewayError('GW_ERR_AUTH_FORBIDDEN', 'only the exchange station (a member of kind station) delivers packages here');
  }
  if (!stationCertPem) throw refused('no exchange-station certificate is configured (documents.stationCertificateFile): inbound packages cannot be verified');
  const check = verifyPackageSignature(xml, stationCertPem);
  if (!check.ok) throw refused(`the package's XML signature: ${check.reason}`);
  const pkg = readPackage(check.signedXml);
  const sender = deps.member(pkg.sender.code);
  if (!sender) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${pkg.sender.code}" (the package's 发送机关)`);
  if (!reachedThroughStation(sender)) throw refused(`${sender.code} is a department of this gateway, not an agency reached through the station`);
  const ours = (codes: string[]) => codes.filter((c) => deps.member(c) && !reachedThroughStation(deps.member(c)));
  const addressees = { main: ours(pkg.recipients.main), copy: ours(pkg.recipients.copy) };
  if (!addressees.main.length && !addressees.copy.length) {
    throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no 接收机关 of the package is a department of this gateway (${[...pkg.recipients.main, ...pkg.recipients.copy].join(', ')})`);
  }
  const { document, ses } = sealedDocument(deps, pkg);
  await refusingClassified(deps, principal, 'station', () => refuseClassifiedPayload(document));
  const v = deps.schemas.validate(OFFICIAL_DOCUMENT_TYPE, document);
  if (!v.ok) throw refused(`the 原文 is not a valid official-document: ${v.errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`);

  const contentSha256 = digestHex('sha256', check.signedXml);
  const seen = await deps.store.query('SELECT 1 FROM station_packages WHERE direction = $1 AND package_id = $2', ['in', pkg.id]);
  // a package seen before brings no new bytes (the transaction below tells a resend from a conflict)
  const fetched = seen.rows.length ? [] : await fetchAttachments(deps.store, deps.clock, sender.code, pkg.attachments, opts.attachments, opts.attachmentLimitBytes);
  const at = deps.clock.now();
  const duplicate = await deps.store.tx(async (db) => {
    const prior = await db.query<{ sha256: string }>(`SELECT sha256 FROM station_packages WHERE direction = 'in' AND package_id = $1 FOR UPDATE`, [pkg.id]);
    if (prior.rows[0]) {
      if (prior.rows[0].sha256 !== contentSha256) throw new GatewayError('GW_ERR_DOCUMENT_DUPLICATE_CONFLICT', `包标识 ${pkg.id} was delivered before with another content`);
      return true;
    }
    const id = newId();
    await db.query(
      `INSERT INTO documents (id, sender, status, urgency, urgency_rank, kind, title, title_search, doc_number, date_written, document, addressees, seal, draft_digest, created_by, created_at, updated_at)
       VALUES ($1, $2, 'distributed', $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14, $15, $15)`,
      [
        id,
        sender.code,
        document.urgency?.level ?? null,
        urgencyRank(document.urgency?.level),
        document.kind ?? null,
        document.title ?? null,
        document.title ? matchingForm(document.title) : null,
        document.documentNumber?.normalized ?? null,
        document.dateWritten?.date ?? null,
        JSON.stringify(document),
        JSON.stringify(addressees),
        JSON.stringify({ status: 'signed', format: 'GB/T 38540-2020', authority: sender.code, via: 'station', packageId: pkg.id, sesSignature: ses }),
        contentSha256,
        actorName(principal),
        at,
      ],
    );
    await linkAttachments(db, id, pkg.attachments, actorName(principal), at);
    const receipts = [...addressees.main.map((c) => ({ id: newId(), recipient: c, copy: false })), ...addressees.copy.map((c) => ({ id: newId(), recipient: c, copy: true }))];
    await insertReceipts(db, id, receipts, urgencyRank(document.urgency?.level), at, null);
    await recordDocumentStep(db, deps.alg, { id, sender: sender.code, document }, receipts, {
      step: 'distributed',
      at,
      actor: actorName(principal),
      department: sender.code,
      detail: { via: 'station', packageId: pkg.id, main: addressees.main, copy: addressees.copy },
    });
    await db.query(
      `INSERT INTO station_packages (direction, package_id, sha256, received_sha256, document_id, peer, created_at) VALUES ('in', $1, $2, $3, $4, $5, $6)`,
      [pkg.id, contentSha256, digestHex('sha256', xml), id, sender.code, at],
    );
    return false;
  }).catch(async (err: unknown) => {
    await dropUnlinked(deps.store, fetched);
    throw err;
  });
  const answer = buildAnswer({ kind: '回执', packageId: pkg.id, packageSha256: digestHex('sha256', xml), at: formatTime(at), duplicate });
  const key = deps.trust.packageSigning;
  return key ? signPackage(answer, key.privateKeyPem, key.certPem) : answer;
}
