import { canonicalJson } from '../crypto/canonical';
import { digestHex, type DigestAlg } from '../crypto/digest';
import { GatewayError } from '../errors';
import type { BodyArchive } from './archive';

/** What retention did to a message's body (messages.retention); absent while the body is in the database. */
export type RetentionMark = { at: string; mode: 'archive'; sha256: string } | { at: string; mode: 'drop' };

export interface BodyRow {
  payload: unknown;
  retention: RetentionMark | null;
  digest_alg: string;
  digest: string;
}

/**
 * A message's payload wherever it is: in its row, or in the archive, where it must
 * still hash to the digest the envelope signed; null when retention dropped it.
 */
export function payloadOf(row: BodyRow, archive: BodyArchive | null): unknown {
  const mark = row.retention;
  if (!mark) return row.payload;
  if (mark.mode === 'drop') return null;
  if (!archive) throw new GatewayError('GW_ERR_RETENTION_ARCHIVE_UNREADABLE', `archived body ${mark.sha256.slice(0, 16)}… cannot be read: no archive is configured`);
  const { payload } = archive.get(mark.sha256);
  if (digestHex(row.digest_alg as DigestAlg, canonicalJson(payload)) !== row.digest) {
    throw new GatewayError('GW_ERR_RETENTION_ARCHIVE_UNREADABLE', `archived body ${mark.sha256.slice(0, 16)}… does not hash to the message's ${row.digest_alg} digest`);
  }
  return payload;
}
