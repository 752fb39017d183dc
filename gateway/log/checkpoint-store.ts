import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { decodeCursor, encodeCursor } from '../exchange/cursor';
import type { Signer } from '../crypto/sign';
import { signCheckpoint, type Checkpoint, type CheckpointLink } from './checkpoint';
import { checkpointText, signNoteText } from './note';
import { rootOf, type LogHead } from './store';

/** The newest stored checkpoint (size 0 and no time when there is none) and the link the next one takes. */
interface LastCheckpoint {
  size: number;
  at: Date | null;
  next: CheckpointLink;
}

/**
 * Reads the newest checkpoint row in the caller's transaction. The next checkpoint is
 * numbered one past it; a version 1 body (signed before checkpoints were numbered)
 * counts as its position among the stored rows.
 */
export async function lastCheckpoint(db: Db): Promise<LastCheckpoint> {
  const r = await db.query<{ size: number | string; at: Date; body: string }>('SELECT size, at, body FROM checkpoints ORDER BY size DESC LIMIT 1');
  const row = r.rows[0];
  if (!row) return { size: 0, at: null, next: { seq: 1, prev: 0 } };
  const size = Number(row.size);
  let seq = (JSON.parse(row.body) as { seq?: unknown }).seq;
  if (typeof seq !== 'number') seq = Number((await db.query<{ n: number | string }>('SELECT count(*) AS n FROM checkpoints')).rows[0]!.n);
  return { size, at: row.at, next: { seq: (seq as number) + 1, prev: size } };
}

/** The log's Ed25519 note key and its name (the checkpoints' origin line). */
export interface NoteKey {
  signer: Signer;
  origin: string;
}

/** A checkpoint as C2SP tlog-checkpoint signed note: origin, size, base64 root, the log's note signature. */
export function checkpointNote(key: NoteKey, size: number, root: Buffer): string {
  const text = checkpointText(key.origin, size, root);
  return `${text}\n${signNoteText(key.signer, key.origin, text)}`;
}

/** A checkpoint just signed: the JSON form, and the signed note when the log has a note key. */
export type SavedCheckpoint = Checkpoint & { size: number; note: string | null };

/** Signs the head as the next checkpoint (JSON, and as a signed note) and stores it (caller's transaction, head row locked). */
export async function saveCheckpoint(db: Db, signer: Signer, head: LogHead, last: LastCheckpoint, at: Date, noteKey: NoteKey | null = null): Promise<SavedCheckpoint> {
  const size = head.frontier.size;
  const root = rootOf(head);
  const cp = signCheckpoint(signer, head.alg, last.next, size, root, at);
  const note = noteKey ? checkpointNote(noteKey, size, root) : null;
  await db.query(
    `INSERT INTO checkpoints (size, alg, root, at, body, sig_alg, signature, key_fingerprint, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
    [size, head.alg, root, at, cp.body, cp.signature.alg, cp.signature.value, cp.signature.certificate, note],
  );
  return { ...cp, size, note };
}

/** The witnesses' cosignature lines on the checkpoint of `size`, in witness-name order. */
export async function cosignatureLines(db: Db, size: number): Promise<string[]> {
  const r = await db.query<{ line: string }>('SELECT line FROM checkpoint_cosignatures WHERE size = $1 ORDER BY witness, key_id', [size]);
  return r.rows.map((x) => x.line);
}

/** The signed note of the checkpoint of `size` with every cosignature received for it appended; null when it has no note. */
export async function cosignedNote(db: Db, size: number): Promise<string | null> {
  const r = await db.query<{ note: string | null }>('SELECT note FROM checkpoints WHERE size = $1', [size]);
  const note = r.rows[0]?.note;
  return note ? note + (await cosignatureLines(db, size)).join('') : null;
}

interface CheckpointRow {
  size: number;
  alg: string;
  root: Buffer;
  at: Date;
  body: string;
  sig_alg: string;
  signature: string;
  key_fingerprint: string;
  note: string | null;
}

/** A stored checkpoint as the API serves it (`body` is the exact signed text). */
const checkpointView = (r: CheckpointRow) => ({
  size: Number(r.size),
  alg: r.alg,
  root: Buffer.from(r.root).toString('hex'),
  at: formatTime(r.at),
  body: r.body,
  signature: { alg: r.sig_alg, certificate: r.key_fingerprint, value: r.signature } as Checkpoint['signature'],
});
export type CheckpointView = ReturnType<typeof checkpointView>;

/** The checkpoint of exactly `size` entries, or the newest one; null when there is none. */
export async function readCheckpoint(db: Db, size?: number): Promise<CheckpointView | null> {
  const q = await db.query<CheckpointRow>(
    size === undefined ? 'SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1' : 'SELECT * FROM checkpoints WHERE size = $1',
    size === undefined ? [] : [size],
  );
  return q.rows[0] ? checkpointView(q.rows[0]) : null;
}

/** One page of checkpoints in increasing size after the opaque cursor `after` (keyset on size; GW_ERR_LIST_BAD_CURSOR for a bad cursor). */
export async function listCheckpoints(db: Db, after: string | undefined, limit: number): Promise<{ items: CheckpointView[]; next: string | null }> {
  const q = await db.query<CheckpointRow>('SELECT * FROM checkpoints WHERE size > $1 ORDER BY size LIMIT $2', [after ? decodeCursor(after) : -1, limit + 1]);
  const items = q.rows.slice(0, limit).map(checkpointView);
  return { items, next: q.rows.length > limit ? encodeCursor(items[items.length - 1]!.size) : null };
}
