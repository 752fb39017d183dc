import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { Verifier, type Signer } from '../crypto/sign';

/**
 * C2SP signed notes (c2sp.org/signed-note), pure: a text ending in a newline, a blank
 * line, then signature lines `— <key name> base64(4-byte key ID ‖ signature)`.
 * Key ID = SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4]. Verifier keys
 * (vkeys) are `<name>+<hex key ID>+base64(type ‖ public key)`. We use two types, both
 * Ed25519 (RFC 8032, Node's crypto through gateway/crypto/sign.ts):
 *   0x01  a note signature over the note text (the log's checkpoints)
 *   0x04  a timestamped checkpoint cosignature (c2sp.org/tlog-cosignature, witnesses):
 *         signature = u64 big-endian POSIX time ‖ Ed25519 over
 *         "cosignature/v1\ntime <t>\n" ‖ note text
 */
export const NOTE_ED25519 = 0x01;
export const COSIGNATURE_ED25519 = 0x04;
type NoteSigType = typeof NOTE_ED25519 | typeof COSIGNATURE_ED25519;

const EM_DASH = '\u2014';
/** Signatures accepted per note (the spec asks for at least 16). */
const MAX_SIGNATURES = 64;

export class NoteError extends Error {}

export interface NoteVerifierKey {
  name: string;
  type: NoteSigType;
  /** 32-byte Ed25519 public key. */
  publicKey: Buffer;
  keyId: Buffer;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  /** The signature bytes after the key ID. */
  signature: Buffer;
  /** The whole line, newline included. */
  line: string;
}

export interface SignedNote {
  /** The signed text, final newline included. */
  text: string;
  signatures: NoteSignature[];
}

const validName = (name: string): boolean => name.length > 0 && !/[\s+]/u.test(name);

export function noteKeyId(name: string, type: NoteSigType, publicKey: Buffer): Buffer {
  return createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.from([type]), publicKey])).digest().subarray(0, 4);
}

/** The raw 32-byte Ed25519 public key of a KeyObject (public or private). */
export function ed25519Raw(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ed25519') throw new NoteError(`a note key must be Ed25519, not ${String(pub.asymmetricKeyType)}`);
  return Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url');
}

const ed25519Key = (raw: Buffer): KeyObject => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });

export function verifierKey(name: string, type: NoteSigType, key: KeyObject): NoteVerifierKey {
  if (!validName(name)) throw new NoteError(`note key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`);
  const publicKey = ed25519Raw(key);
  return { name, type, publicKey, keyId: noteKeyId(name, type, publicKey) };
}

export const formatVkey = (k: NoteVerifierKey): string => `${k.name}+${k.keyId.toString('hex')}+${Buffer.concat([Buffer.from([k.type]), k.publicKey]).toString('base64')}`;

/** The vkey of a log's note key (type 0x01) named by its origin. */
export const logNoteVkey = (origin: string, signer: Signer): string => formatVkey(verifierKey(origin, NOTE_ED25519, signer.publicKey));

/** Parses a vkey; throws NoteError for a malformed one, an unknown type or a key ID that does not match. */
export function parseVkey(vkey: string): NoteVerifierKey {
  const m = /^([^+]+)\+([^+]+)\+(.+)$/s.exec(vkey.trim());
  if (!m) throw new NoteError('a verifier key is <name>+<hex key ID>+<base64 key>');
  const [, name, idHex, b64] = m as unknown as [string, string, string, string];
  if (!validName(name) || !/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError('the verifier key has a bad name or key ID');
  const material = Buffer.from(b64, 'base64');
  const type = material[0];
  if ((type !== NOTE_ED25519 && type !== COSIGNATURE_ED25519) || material.length !== 33) throw new NoteError('only Ed25519 verifier keys (type 0x01 or 0x04) are supported');
  const k: NoteVerifierKey = { name, type, publicKey: material.subarray(1), keyId: Buffer.from(idHex, 'hex') };
  if (!noteKeyId(name, type, k.publicKey).equals(k.keyId)) throw new NoteError('the verifier key ID does not match its name and key');
  return k;
}

export const signatureLine = (name: string, keyId: Buffer, signature: Buffer): string => `${EM_DASH} ${name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;

/** A type 0x01 note signature line over `text` by an Ed25519 Signer. */
export function signNoteText(signer: Signer, name: string, text: string): string {
  const k = verifierKey(name, NOTE_ED25519, signer.publicKey);
  return signatureLine(name, k.keyId, signer.sign(text));
}

/** The message a type 0x04 cosignature signs. */
export const cosignedMessage = (text: string, timestamp: number): string => `cosignature/v1\ntime ${timestamp}\n${text}`;

/** A tlog-cosignature/v1 line over the checkpoint `text` at POSIX time `timestamp`. */
export function cosignNoteText(signer: Signer, name: string, text: string, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new NoteError('a cosignature needs a positive timestamp');
  const k = verifierKey(name, COSIGNATURE_ED25519, signer.publicKey);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestamp));
  return signatureLine(name, k.keyId, Buffer.concat([ts, signer.sign(cosignedMessage(text, timestamp))]));
}

function parseSignatureLine(line: string): NoteSignature {
  const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
  if (!m) throw new NoteError(`not a signature line: ${JSON.stringify(line.slice(0, 80))}`);
  const raw = Buffer.from(m[2]!, 'base64');
  if (raw.length < 5 || raw.toString('base64') !== m[2]) throw new NoteError('a signature is not canonical base64 of a key ID and a signature');
  return { name: m[1]!, keyId: raw.subarray(0, 4), signature: raw.subarray(4), line: `${line}\n` };
}

/** Splits a signed note into its text and signature lines (the text ends at the last blank line). */
export function parseNote(note: string): SignedNote {
  if (!note.endsWith('\n')) throw new NoteError('a signed note ends with a newline');
  if (/[\x00-\x09\x0b-\x1f]/.test(note)) throw new NoteError('a signed note has no control characters but newline');
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0) throw new NoteError('a signed note has a blank line between its text and its signatures');
  const text = note.slice(0, cut + 1);
  const lines = note.slice(cut + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

export const formatNote = (n: SignedNote): string => `${n.text}\n${n.signatures.map((s) => s.line).join('')}`;

export interface VerifiedSignature {
  key: NoteVerifierKey;
  /** The cosignature's time (type 0x04). */
  timestamp?: number;
}

/** Whether one signature line (already matched by name and key ID) verifies with `key` over `text`. */
function verifyWith(key: NoteVerifierKey, text: string, sig: Buffer): VerifiedSignature | null {
  const verifier = new Verifier(ed25519Key(key.publicKey), 'Ed25519');
  if (key.type === NOTE_ED25519) return sig.length === 64 && verifier.verify(text, sig) ? { key } : null;
  if (sig.length !== 72) return null;
  const ts = sig.readBigUInt64BE(0);
  if (ts === 0n || ts > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const timestamp = Number(ts);
  return verifier.verify(cosignedMessage(text, timestamp), sig.subarray(8)) ? { key, timestamp } : null;
}

/**
 * Verifies a note against the keys the caller trusts: signatures from unknown keys are
 * ignored; one from a known key (same name and key ID) that fails makes the note bad
 * (throws NoteError). Returns the known keys whose signatures verified.
 */
export function verifyNote(note: SignedNote, keys: readonly NoteVerifierKey[]): VerifiedSignature[] {
  const out: VerifiedSignature[] = [];
  for (const s of note.signatures) {
    const key = keys.find((k) => k.name === s.name && k.keyId.equals(s.keyId));
    if (!key) continue;
    const ok = verifyWith(key, note.text, s.signature);
    if (!ok) throw new NoteError(`the signature of ${s.name} (${s.keyId.toString('hex')}) does not verify`);
    out.push(ok);
  }
  return out;
}

/** A tlog-checkpoint note text: origin, size, base64 root hash (c2sp.org/tlog-checkpoint). */
export interface CheckpointNoteText {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

export function checkpointText(origin: string, size: number, root: Buffer): string {
  if (!origin || /[\s+]/u.test(origin)) throw new NoteError('a checkpoint origin is non-empty, without spaces or "+"');
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

export function parseCheckpointText(text: string): CheckpointNoteText {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length < 3 || lines.some((l) => l === '')) throw new NoteError('a checkpoint is three or more non-empty lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) throw new NoteError('the checkpoint size is not a decimal without leading zeroes');
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootLine) throw new NoteError('the checkpoint root is not base64 of 32 bytes');
  return { origin, size: Number(sizeLine), root, extensions };
}
