import { createHash, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { Signer } from '../../gateway/crypto/sign';
import {
  checkpointText,
  cosignNoteText,
  formatVkey,
  NoteError,
  parseCheckpointText,
  parseNote,
  parseVkey,
  signNoteText,
  verifierKey,
  verifyNote,
  COSIGNATURE_ED25519,
  NOTE_ED25519,
} from '../../gateway/log/note';

// The example of c2sp.org/signed-note (§ Verifier keys, Example).
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

const ed25519Signer = () => new Signer({ privateKey: generateKeyPairSync('ed25519').privateKey });

/**
 * An independent reading of the formats, written from the C2SP texts only (no code of
 * ours): note = text, blank line, lines "— name base64(keyID‖sig)"; checkpoint text =
 * origin, decimal size, base64 root; key ID = SHA-256(name‖\n‖type‖pub)[:4];
 * cosignature = u64 BE time ‖ Ed25519("cosignature/v1\ntime T\n" ‖ text).
 */
function independentCheck(note: string, origin: string, size: number, root: Buffer, logPub: Buffer, witness: { name: string; pub: Buffer }) {
  const [text, sigs] = [note.slice(0, note.lastIndexOf('\n\n') + 1), note.slice(note.lastIndexOf('\n\n') + 2)];
  expect(text).toBe(`${origin}\n${size}\n${root.toString('base64')}\n`);
  const spki = (pub: Buffer) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
  const id = (name: string, type: number, pub: Buffer) => createHash('sha256').update(Buffer.concat([Buffer.from(name + '\n'), Buffer.from([type]), pub])).digest().subarray(0, 4);
  const lines = sigs.split('\n').filter(Boolean).map((l) => {
    expect(l.startsWith('\u2014 ')).toBe(true);
    const [name, b64] = l.slice(2).split(' ');
    return { name: name!, raw: Buffer.from(b64!, 'base64') };
  });
  const log = lines.find((l) => l.name === origin)!;
  expect(log.raw.subarray(0, 4)).toEqual(id(origin, 1, logPub));
  expect(nodeVerify(null, Buffer.from(text), spki(logPub), log.raw.subarray(4))).toBe(true);
  const w = lines.find((l) => l.name === witness.name)!;
  expect(w.raw.subarray(0, 4)).toEqual(id(witness.name, 4, witness.pub));
  const t = w.raw.readBigUInt64BE(4);
  expect(nodeVerify(null, Buffer.from(`cosignature/v1\ntime ${t}\n${text}`), spki(witness.pub), w.raw.subarray(12))).toBe(true);
}

describe('C2SP signed notes', () => {
  test('the spec example verifies with the spec vkey; a changed text does not', () => {
    const key = parseVkey(SPEC_VKEY);
    expect(formatVkey(key)).toBe(SPEC_VKEY);
    expect(verifyNote(parseNote(SPEC_NOTE), [key])).toHaveLength(1);
    expect(() => verifyNote(parseNote(SPEC_NOTE.replace('example message', 'example massage')), [key])).toThrow(NoteError);
  });

  test('unknown keys are ignored; a bad vkey ID or a malformed note is refused', () => {
    const other = verifierKey('example.com/foo', NOTE_ED25519, ed25519Signer().publicKey);
    expect(verifyNote(parseNote(SPEC_NOTE), [other])).toEqual([]);
    expect(() => parseVkey(SPEC_VKEY.replace('530d903a', '530d903b'))).toThrow(/does not match/);
    expect(() => parseNote('text without blank line\n\u2014 a AAAAAAA=\n')).toThrow(NoteError);
    expect(() => parseNote('text\n\n- a AAAAAAAA\n')).toThrow(/signature line/);
    expect(() => parseCheckpointText('o\n012\nAAAA\n')).toThrow(/leading zeroes/);
  });

  test('a checkpoint we sign and cosign reads back with an independent parser', () => {
    const log = ed25519Signer();
    const witness = ed25519Signer();
    const root = createHash('sha256').update('x').digest();
    const origin = 'xgw.example/exchange-log';
    const text = checkpointText(origin, 42, root);
    const note = `${text}\n${signNoteText(log, origin, text)}${cosignNoteText(witness, 'audit.example/w1', text, 1_780_000_000)}`;
    const parsed = parseNote(note);
    expect(parseCheckpointText(parsed.text)).toEqual({ origin, size: 42, root, extensions: [] });
    const logKey = verifierKey(origin, NOTE_ED25519, log.publicKey);
    const wKey = verifierKey('audit.example/w1', COSIGNATURE_ED25519, witness.publicKey);
    const verified = verifyNote(parsed, [parseVkey(formatVkey(logKey)), parseVkey(formatVkey(wKey))]);
    expect(verified.map((v) => [v.key.name, v.timestamp])).toEqual([
      [origin, undefined],
      ['audit.example/w1', 1_780_000_000],
    ]);
    independentCheck(note, origin, 42, root, logKey.publicKey, { name: 'audit.example/w1', pub: wKey.publicKey });
    // the cosignature binds the size: moved onto another checkpoint text it fails
    const moved = parsed.signatures[1]!.line;
    expect(() => verifyNote(parseNote(`${checkpointText(origin, 43, root)}\n${moved}`), [wKey])).toThrow(NoteError);
  });
});
