import { createHash } from 'node:crypto';
import type { Db, Store } from '../store/db';
import type { Clock } from '../clock';
import { GatewayError } from '../errors';
import { gatewayErrorOf } from '../adapters/boundary';
import { AdapterError } from '../../adapters/errors';
import type { PackageAttachment } from '../../adapters/docstation-xml/package';
import type { AttachmentDigests } from './seals';
import { storeBlob } from './attachments';

/**
 * The attachments of an inbound exchange-station package. The package lists them by digest
 * (名称, 媒体类型, 大小, SM3, SHA256) and the sender's seal covers exactly that list (the 原文's
 * `attachments`); the bytes are fetched from the station by SHA-256 and streamed into the
 * attachment store (attachments.ts storeBlob: chunked, content-addressed, deduplicated),
 * counted and hashed (SM3 and SHA-256) as they arrive. Bytes that are not what the package
 * says — more or fewer than 大小, another digest — refuse the package: the blob being written is
 * dropped, and so is every blob this package brought in so far; nothing else is kept. Bytes
 * already stored under the same digests are not fetched again.
 */
export type AttachmentSource = (sender: string, sha256: string) => Promise<AsyncIterable<Uint8Array>>;

const refused = (detail: string) => new GatewayError('GW_ERR_STATION_PACKAGE_REFUSED', detail);

const digestOf = (a: AttachmentDigests, alg: 'sm3' | 'sha256') => a.digests.find((d) => d.alg === alg)?.value;

/** The package's 附件列表 must be the list the seal covers, in the same order. */
export function checkSealedAttachments(listed: PackageAttachment[], sealed: unknown): void {
  const covered = Array.isArray(sealed) ? (sealed as AttachmentDigests[]) : [];
  const same =
    covered.length === listed.length &&
    covered.every((c, i) => {
      const l = listed[i]!;
      return c.name === l.name && c.mediaType === l.mediaType && c.size === l.size && digestOf(c, 'sm3') === l.sm3 && digestOf(c, 'sha256') === l.sha256;
    });
  if (!same) throw refused(`the package's 附件列表 (${listed.length}) is not the list of attachments the seal covers (${covered.length})`);
  if (new Set(listed.map((a) => a.sha256)).size !== listed.length) throw refused('the package lists the same attachment twice');
}

/** The bytes as they arrive, checked against the package's 大小 and digests; a transfer failure becomes a catalogue error. */
async function* checked(source: AsyncIterable<Uint8Array>, a: PackageAttachment): AsyncIterable<Buffer> {
  const sha256 = createHash('sha256');
  const sm3 = createHash('sm3');
  let size = 0;
  try {
    for await (const piece of source) {
      size += piece.length;
      if (size > a.size) throw refused(`attachment ${a.name}: the station sent more than its 大小 of ${a.size} bytes`);
      sha256.update(piece);
      sm3.update(piece);
      yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    }
  } catch (err) {
    throw err instanceof AdapterError ? gatewayErrorOf(err) : err;
  }
  if (size !== a.size) throw refused(`attachment ${a.name}: the station sent ${size} bytes, its 大小 is ${a.size}`);
  if (sha256.digest('hex') !== a.sha256 || sm3.digest('hex') !== a.sm3) throw refused(`attachment ${a.name}: the bytes do not match its SHA256/SM3 digests`);
}

async function storedBlob(store: Store, sha256: string): Promise<{ sm3: string; size: number } | undefined> {
  const r = await store.query<{ sm3: string; size: string }>('SELECT sm3, size FROM attachment_blobs WHERE sha256 = $1 AND complete', [sha256]);
  return r.rows[0] ? { sm3: r.rows[0].sm3, size: Number(r.rows[0].size) } : undefined;
}

/**
 * Fetches and stores the attachments not stored yet; returns the SHA-256 of those it stored
 * (for `dropUnlinked` should the package be refused later). Refused before any byte is read
 * when one is over the size limit.
 */
export async function fetchAttachments(store: Store, clock: Clock, sender: string, attachments: PackageAttachment[], source: AttachmentSource, limit: number): Promise<string[]> {
  const over = attachments.find((a) => a.size > limit);
  if (over) throw refused(`attachment ${over.name} has ${over.size} bytes; at most ${limit} are accepted (config documents.attachmentLimitBytes)`);
  const stored: string[] = [];
  try {
    for (const a of attachments) {
      const known = await storedBlob(store, a.sha256);
      if (known) {
        if (known.sm3 !== a.sm3 || known.size !== a.size) throw refused(`attachment ${a.name}: its SM3 or 大小 is not those of the bytes with its SHA256`);
        continue;
      }
      let bytes: AsyncIterable<Uint8Array>;
      try {
        bytes = await source(sender, a.sha256);
      } catch (err) {
        if (err instanceof AdapterError && err.code === 'GW_ERR_ADAPTER_INVALID_NATIVE') throw refused(`attachment ${a.name}: ${err.detail}`);
        throw err instanceof AdapterError ? gatewayErrorOf(err) : err;
      }
      await storeBlob(store, clock, checked(bytes, a), limit);
      stored.push(a.sha256);
    }
  } catch (err) {
    await dropUnlinked(store, stored);
    throw err;
  }
  return stored;
}

/** Drops blobs this package brought in that no document lists (the package was refused after all). */
export async function dropUnlinked(db: Db, sha256s: string[]): Promise<void> {
  if (!sha256s.length) return;
  await db.query(`DELETE FROM attachment_blobs b WHERE b.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM document_attachments a WHERE a.sha256 = b.sha256)`, [sha256s]);
}

/**
 * Lists the attachments on the inbound document, in the sealed order (the reader's seal check
 * rebuilds the sealed bytes from document_attachments ordered by added_at: one millisecond apart).
 */
export async function linkAttachments(db: Db, documentId: string, attachments: PackageAttachment[], actor: string, at: Date): Promise<void> {
  if (!attachments.length) return;
  await db.query(
    `INSERT INTO document_attachments (document_id, sha256, name, media_type, added_by, added_at)
     SELECT $1, t.sha256, t.name, t.media_type, $2, $3::timestamptz + (t.n - 1) * interval '1 millisecond'
     FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(sha256, name, media_type, n)`,
    [documentId, actor, at, attachments.map((a) => a.sha256), attachments.map((a) => a.name), attachments.map((a) => a.mediaType)],
  );
}
