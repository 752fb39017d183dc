import { createHash } from 'node:crypto';
import type { Store } from '../store/db';
import type { Clock } from '../clock';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import type { Principal } from '../registry/principal';
import { actorName } from '../registry/principal';
import type { AttachmentRef } from './model';
import { readDocument } from './records';
import { partyView } from './views';
import type { BodyArchive } from '../retention/archive';
import type { RetentionMark } from '../retention/bodies';
import { prunedBlobBytes } from '../retention/attachments';

/**
 * 公文 attachments (PDF, OFD, images, anything), streamed and never buffered whole:
 * the bytes are hashed with SM3 and SHA-256 while they arrive and written to the
 * database in CHUNK_BYTES rows, so one PostgreSQL (or PGlite) stays the only state.
 * A blob is named by its digests when complete; an identical blob already stored is
 * used instead (content-addressed, deduplicated). Over the size limit nothing is kept.
 *
 * Memory (bench/attachments.ts): what crosses the driver is garbage the gateway's RSS carries
 * until V8 collects it. A chunk goes in as a binary bytea parameter — the bytes themselves:
 * node-postgres sends a Buffer so, PGlite does with the pass-through bytea serializer of
 * store/pglite.ts — never as text: as base64 text each 256 KiB chunk left a 350 KB string in
 * V8's large-object space, and 100 MB of upload raised a PGlite gateway's RSS by ~100 MB
 * (now ~1–14 MB). It comes out as base64 text (the drivers answer text), one chunk a query:
 * 64 KiB slices (young-generation strings) were tried and gave no clear gain on PGlite and a
 * larger rise and half the speed on PostgreSQL.
 */
export const CHUNK_BYTES = 256 * 1024;

/** Attachments may be added while the document's content is still open (before 签发). */
const OPEN_STATUSES = ['drafted', 'reviewed'];

export interface StoredBlob {
  sha256: string;
  sm3: string;
  size: number;
}

/** Refuses before any byte is read: the document must be the principal's own, still open. */
export async function checkAttachable(store: Store, principal: Principal, id: string): Promise<void> {
  const doc = await readDocument(store, id);
  if (!doc || doc.sender !== principal.member) throw new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `no official document ${id} of your department`);
  if (!OPEN_STATUSES.includes(doc.status)) {
    throw new GatewayError('GW_ERR_DOCUMENT_INVALID_TRANSITION', `document ${id} is ${doc.status}: attachments are added before 签发 (while drafted or reviewed)`);
  }
}

const tooLarge = (limit: number) => new GatewayError('GW_ERR_DOCUMENT_ATTACHMENT_TOO_LARGE', `an attachment may have at most ${limit} bytes (config documents.attachmentLimitBytes); nothing was stored`);

/** Writes a stream as a blob, chunk by chunk; returns the stored (or identical existing) blob. */
export async function storeBlob(store: Store, clock: Clock, source: AsyncIterable<Buffer>, limit: number): Promise<StoredBlob> {
  const id = newId();
  await store.query('INSERT INTO attachment_blobs (id, created_at) VALUES ($1, $2)', [id, clock.now()]);
  const sha256 = createHash('sha256');
  const sm3 = createHash('sm3');
  let size = 0;
  let n = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!pendingBytes) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await store.query(`INSERT INTO attachment_chunks (blob_id, n, data) VALUES ($1, $2, $3::bytea)`, [id, n++, data]);
  };
  try {
    for await (const piece of source) {
      size += piece.length;
      if (size > limit) throw tooLarge(limit);
      sha256.update(piece);
      sm3.update(piece);
      let rest = piece;
      while (pendingBytes + rest.length >= CHUNK_BYTES) {
        const take = CHUNK_BYTES - pendingBytes;
        pending.push(rest.subarray(0, take));
        pendingBytes += take;
        rest = rest.subarray(take);
        await flush();
      }
      if (rest.length) {
        pending.push(rest);
        pendingBytes += rest.length;
      }
    }
    await flush();
  } catch (err) {
    await store.query('DELETE FROM attachment_blobs WHERE id = $1', [id]);
    throw err;
  }
  const blob = { sha256: sha256.digest('hex'), sm3: sm3.digest('hex'), size };
  // Name this copy, or take up identical bytes stored already. Taking them up marks them used
  // under their row lock, so the orphan sweeper (orphans.ts) keeps them for another grace
  // period; when it removed them meanwhile (the mark finds no row), this copy is named instead.
  let taken = false;
  for (let attempt = 0; attempt < 3 && !taken; attempt++) {
    try {
      const named = await store.query(
        `UPDATE attachment_blobs SET sha256 = $2, sm3 = $3, size = $4, chunks = $5, complete = true
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM attachment_blobs WHERE sha256 = $2)`,
        [id, blob.sha256, blob.sm3, size, n],
      );
      if (named.rowCount === 1) return blob;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err; // another upload named the same bytes first
    }
    const used = await store.query('UPDATE attachment_blobs SET used_at = $2 WHERE sha256 = $1 AND complete AND retention IS NULL', [blob.sha256, clock.now()]);
    taken = used.rowCount === 1 || (await restorePruned(store, clock, id, blob.sha256, n));
  }
  if (!taken) throw new Error(`attachment ${blob.sha256}: neither named nor found stored (three tries)`);
  await store.query('DELETE FROM attachment_blobs WHERE id = $1', [id]);
  return blob;
}

/**
 * The same bytes arrive again after retention moved them out (retention/attachments.ts): the
 * pruned blob takes this upload's chunks and holds its bytes again (the archived file, if any,
 * stays), so the new document can be read; this upload's own blob row goes (the caller deletes it).
 */
async function restorePruned(store: Store, clock: Clock, uploadId: string, sha256: string, chunks: number): Promise<boolean> {
  return store.tx(async (db) => {
    const old = await db.query<{ id: string }>('SELECT id FROM attachment_blobs WHERE sha256 = $1 AND retention IS NOT NULL FOR UPDATE', [sha256]);
    if (!old.rows[0]) return false;
    await db.query('UPDATE attachment_chunks SET blob_id = $2 WHERE blob_id = $1', [uploadId, old.rows[0].id]);
    await db.query('UPDATE attachment_blobs SET retention = NULL, chunks = $2, used_at = $3 WHERE id = $1', [old.rows[0].id, chunks, clock.now()]);
    return true;
  });
}

/**
 * Adds a stored blob to the document (its `attachments` element lists it by digest, so
 * the 用印 signature covers it); the same bytes twice are one attachment.
 */
export async function attachBlob(store: Store, clock: Clock, principal: Principal, id: string, blob: StoredBlob, name: string, mediaType: string): Promise<AttachmentRef> {
  const ref: AttachmentRef = { name, mediaType, size: blob.size, digests: [{ alg: 'sm3', value: blob.sm3 }, { alg: 'sha256', value: blob.sha256 }] };
  return store.tx(async (db) => {
    const doc = await readDocument(db, id, true);
    if (!doc || doc.sender !== principal.member) throw new GatewayError('GW_ERR_DOCUMENT_NOT_FOUND', `no official document ${id} of your department`);
    if (!OPEN_STATUSES.includes(doc.status)) throw new GatewayError('GW_ERR_DOCUMENT_INVALID_TRANSITION', `document ${id} is ${doc.status}: attachments are added before 签发`);
    const added = await db.query(
      `INSERT INTO document_attachments (document_id, sha256, name, media_type, added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id, sha256) DO NOTHING`,
      [id, blob.sha256, name, mediaType, actorName(principal), clock.now()],
    );
    if (added.rowCount === 1) {
      const attachments = [...(doc.document.attachments ?? []), ref];
      await db.query(`UPDATE documents SET document = $2::jsonb, updated_at = $3 WHERE id = $1`, [id, JSON.stringify({ ...doc.document, attachments }), clock.now()]);
    }
    return ref;
  });
}

export interface AttachmentDownload {
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  sm3: string;
  /** The bytes, one chunk at a time, read as they are consumed. */
  chunks: AsyncIterable<Buffer>;
}

/** An attachment of a document its party may read (sender, addressees, auditors; others 404), by SHA-256 or SM3 digest. */
export async function openAttachment(store: Store, principal: Principal, id: string, digest: string, archive: BodyArchive | null = null): Promise<AttachmentDownload> {
  await partyView(store, principal, id);
  const r = await store.query<{ id: string; name: string; media_type: string; size: string; chunks: number; sha256: string; sm3: string; retention: RetentionMark | null }>(
    `SELECT b.id, a.name, a.media_type, b.size, b.chunks, b.sha256, b.sm3, b.retention FROM document_attachments a JOIN attachment_blobs b ON b.sha256 = a.sha256
     WHERE a.document_id = $1 AND (b.sha256 = $2 OR b.sm3 = $2) LIMIT 1`,
    [id, digest],
  );
  const a = r.rows[0];
  if (!a) throw new GatewayError('GW_ERR_DOCUMENT_ATTACHMENT_NOT_FOUND', `document ${id} has no attachment ${digest}`);
  const download = { name: a.name, mediaType: a.media_type, size: Number(a.size), sha256: a.sha256, sm3: a.sm3 };
  // Past the retention period (retention/attachments.ts): read back from the archive, checked against the SHA-256, or gone (410).
  if (a.retention) return { ...download, chunks: prunedBlobBytes(a.sha256, a.retention, archive) };
  async function* chunks(): AsyncIterable<Buffer> {
    for (let n = 0; n < a!.chunks; n++) {
      const c = await store.query<{ data: string }>(`SELECT encode(data, 'base64') AS data FROM attachment_chunks WHERE blob_id = $1 AND n = $2`, [a!.id, n]);
      yield Buffer.from(c.rows[0]!.data, 'base64');
    }
  }
  return { ...download, chunks: chunks() };
}
