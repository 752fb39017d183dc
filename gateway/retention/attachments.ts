import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Db, Store } from '../store/db';
import type { Clock } from '../clock';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { prepareEntry } from '../log/entries';
import { appendEntries } from '../log/append';
import type { LogHashAlg } from '../merkle/hash';
import type { BodyArchive } from './archive';
import type { RetentionMark } from './bodies';

const DAY_MS = 86_400_000;
const SHA256 = /^[0-9a-f]{64}$/;
/** Blobs per transaction: attachments run to 100 MB each, so a batch is small whatever retention.batchSize says. */
const BLOBS_PER_BATCH = 10;

/**
 * 公文 attachment bytes moved out of the database by retention: `<archive>/attachments/<ab>/<sha256>`,
 * the raw bytes (PDF and OFD are compressed already), named by their SHA-256. Written while they
 * stream out of the chunk rows (temporary file, fsync, rename) and checked against the name on the
 * way; read back as a stream that fails at its end when the bytes do not hash to the name.
 */
export class BlobArchive {
  readonly dir: string;

  constructor(archive: BodyArchive) {
    this.dir = path.join(archive.dir, 'attachments');
  }

  private fileOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw unreadable(sha256, 'not a SHA-256 name');
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(sha256: string, chunks: AsyncIterable<Buffer>): Promise<void> {
    const file = this.fileOf(sha256);
    if (fs.existsSync(file)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    const hash = createHash('sha256');
    try {
      for await (const c of chunks) {
        hash.update(c);
        fs.writeSync(fd, c);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (hash.digest('hex') !== sha256) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`attachment ${sha256}: the stored chunks do not hash to the blob's name; not archived`);
    }
    fs.renameSync(tmp, file);
  }

  /**
   * The bytes, 256 KiB at a time. The last piece is held back until the whole file hashed to its
   * name: an altered file never reaches the reader complete (a download is cut short of its length).
   */
  async *read(sha256: string): AsyncIterable<Buffer> {
    const file = this.fileOf(sha256);
    const hash = createHash('sha256');
    let held: Buffer | null = null;
    try {
      for await (const c of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
        hash.update(c as Buffer);
        if (held) yield held;
        held = c as Buffer;
      }
    } catch (err) {
      throw unreadable(sha256, `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (hash.digest('hex') !== sha256) throw unreadable(sha256, `${file} does not hash to its name`);
    if (held) yield held;
  }
}

const unreadable = (sha256: string, why: string) =>
  new GatewayError('GW_ERR_RETENTION_ARCHIVE_UNREADABLE', `archived attachment ${sha256.slice(0, 16)}… cannot be read: ${why}`);

export interface AttachmentPruneReport {
  pruned: number;
  bytes: number;
  logIndices: number[];
}

/** A blob's chunk rows in order, read one at a time inside the caller's transaction. */
async function* chunksOf(db: Db, blobId: string, count: number): AsyncIterable<Buffer> {
  for (let n = 0; n < count; n++) {
    const c = await db.query<{ data: string }>(`SELECT encode(data, 'base64') AS data FROM attachment_chunks WHERE blob_id = $1 AND n = $2`, [blobId, n]);
    yield Buffer.from(c.rows[0]!.data, 'base64');
  }
}

/**
 * Moves the bytes of attachments out of the database once EVERY document holding them
 * (blobs are shared by content) was distributed (分发) and nothing happened to it or any of
 * its 收文 receipts for `days` — archived as a file under its SHA-256, or dropped. The
 * blob row (size, SM3, SHA-256) and the documents' attachment lists, which the 用印
 * signature covers, stay. A blob an upload took up within the period (used_at) is kept.
 * Each batch is one transaction with one signed `retention.pruned` entry
 * (`records: "attachments"`); blobs are locked SKIP LOCKED, so gateways take different ones.
 */
export async function pruneAttachments(
  store: Store,
  opts: { days: number; mode: 'archive' | 'drop'; archive: BodyArchive | null; clock: Clock; alg: LogHashAlg },
): Promise<AttachmentPruneReport> {
  const { mode, clock, alg } = opts;
  if (mode === 'archive' && !opts.archive) throw new Error('retention mode "archive" needs an archive directory');
  const files = opts.archive ? new BlobArchive(opts.archive) : null;
  const now = clock.now();
  const cutoff = new Date(now.getTime() - opts.days * DAY_MS);
  const report: AttachmentPruneReport = { pruned: 0, bytes: 0, logIndices: [] };
  for (;;) {
    const n = await store.tx(async (db) => {
      const blobs = (
        await db.query<{ id: string; sha256: string; size: string; chunks: number }>(
          `SELECT b.id, b.sha256, b.size, b.chunks FROM attachment_blobs b
           WHERE b.retention IS NULL AND b.complete AND (b.used_at IS NULL OR b.used_at < $1)
             AND EXISTS (SELECT 1 FROM document_attachments a WHERE a.sha256 = b.sha256)
             AND NOT EXISTS (
               SELECT 1 FROM document_attachments a JOIN documents d ON d.id = a.document_id
               WHERE a.sha256 = b.sha256
                 AND (d.status <> 'distributed' OR d.updated_at >= $1
                      OR EXISTS (SELECT 1 FROM document_receipts r WHERE r.document_id = d.id AND r.updated_at >= $1)))
           ORDER BY b.created_at, b.id LIMIT $2 FOR UPDATE OF b SKIP LOCKED`,
          [cutoff, BLOBS_PER_BATCH],
        )
      ).rows;
      if (!blobs.length) return 0;
      const at = formatTime(now);
      const marks: RetentionMark[] = [];
      for (const b of blobs) {
        if (mode === 'archive') await files!.put(b.sha256, chunksOf(db, b.id, b.chunks));
        marks.push(mode === 'archive' ? { at, mode: 'archive', sha256: b.sha256 } : { at, mode: 'drop' });
      }
      const ids = blobs.map((b) => b.id);
      await db.query(`DELETE FROM attachment_chunks WHERE blob_id = ANY($1::uuid[])`, [ids]);
      await db.query(
        `UPDATE attachment_blobs b SET chunks = 0, retention = u.mark FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, mark) WHERE b.id = u.id`,
        [ids, marks.map((m) => JSON.stringify(m))],
      );
      const bytes = blobs.reduce((s, b) => s + Number(b.size), 0);
      const digests = blobs.map((b) => b.sha256).sort();
      const entry = prepareEntry(alg, 'retention.pruned', now, {
        records: 'attachments',
        mode,
        count: blobs.length,
        bytes,
        olderThan: formatTime(cutoff),
        sha256: digests,
      });
      report.logIndices.push(...(await appendEntries(db, [entry])));
      report.bytes += bytes;
      return blobs.length;
    });
    report.pruned += n;
    if (n < BLOBS_PER_BATCH) return report;
  }
}

/** The bytes of a blob whose retention mark is set: from the archive, or refused when dropped. */
export function prunedBlobBytes(sha256: string, mark: RetentionMark, archive: BodyArchive | null): AsyncIterable<Buffer> {
  if (mark.mode === 'drop') {
    throw new GatewayError('GW_ERR_DOCUMENT_ATTACHMENT_PRUNED', `the bytes of attachment ${sha256} were dropped by the retention policy at ${mark.at}; the document still names them by SM3 and SHA-256 digest`);
  }
  if (!archive) throw unreadable(sha256, 'no archive is configured');
  return new BlobArchive(archive).read(sha256);
}
