import { NoteError, parseCheckpointText, parseNote, parseVkey, verifyNote, type NoteVerifierKey } from '../log/note';
import type { LogContext } from './verify-context';
import type { Phrase } from './report';

/**
 * (v2 bundles) The checkpoint as a C2SP signed note and its witnesses' cosignatures, pure.
 * The note must state the same size and root as the signed JSON checkpoint; the log's
 * note signature must verify with the bundled note key; and every witness key the auditor
 * requires (`xgw verify bundle --witness <vkey>`, obtained from the witness's operator, not
 * from the bundle) must have a valid tlog-cosignature/v1 on it. A log that showed the
 * auditor a rewritten history cannot produce one: the witness refused to cosign it.
 */
export function checkWitnessed(ctx: LogContext, witnessKeys: readonly NoteVerifierKey[]): void {
  const log = ctx.bundle.log;
  const line = (ok: boolean, subject: string, text: string, said: Phrase): void => void ctx.lines.push({ group: 'witnesses', ok, subject, text, said: [said] });
  if (log.checkpointNote === undefined) {
    for (const k of witnessKeys) line(false, `witness ${k.name}`, 'the bundle has no checkpoint note (log.checkpointNote), so no cosignature to check', { code: 'note.none' });
    return;
  }
  let note;
  try {
    note = parseNote(log.checkpointNote);
    const cp = parseCheckpointText(note.text);
    const claimed = ctx.claimed;
    const same = claimed !== null && cp.size === claimed.size && cp.root.toString('hex') === claimed.root && (log.origin === undefined || cp.origin === log.origin);
    line(same, 'checkpoint note', same ? `origin ${cp.origin}, size ${cp.size}: the same tree as the signed checkpoint` : `the note (size ${cp.size}, root ${cp.root.toString('hex').slice(0, 16)}…) is not the signed checkpoint`, same ? { code: 'note.same-tree', params: { origin: cp.origin, size: cp.size } } : { code: 'note.other-tree', params: { size: cp.size, root: `${cp.root.toString('hex').slice(0, 16)}…` } });
  } catch (err) {
    return line(false, 'checkpoint note', `unreadable: ${(err as Error).message}`, { code: 'note.unreadable', params: { reason: (err as Error).message } });
  }
  if (log.noteKey !== undefined) {
    try {
      const key = parseVkey(log.noteKey);
      const ok = verifyNote(note, [key]).length > 0;
      line(ok, 'checkpoint note', ok ? `signed by the log's note key ${key.name}+${key.keyId.toString('hex')} (as bundled)` : `no signature by the bundled note key ${key.name}`, { code: ok ? 'note.signed' : 'note.unsigned', params: { key: ok ? `${key.name}+${key.keyId.toString('hex')}` : key.name } });
    } catch (err) {
      line(false, 'checkpoint note', `the log's note signature: ${(err as Error).message}`, { code: 'note.key-error', params: { reason: (err as Error).message } });
    }
  }
  for (const k of witnessKeys) {
    const subject = `witness ${k.name}`;
    try {
      const got = verifyNote(note, [k]);
      const at = got.length ? new Date(got[0]!.timestamp! * 1000).toISOString() : '';
      if (got.length) line(true, subject, `cosigned (tlog-cosignature/v1) at ${at} with key ${k.keyId.toString('hex')}`, { code: 'witness.cosigned', params: { at, keyId: k.keyId.toString('hex') } });
      else line(false, subject, 'no cosignature by this witness key on the checkpoint: the witness did not see (or refused) this tree', { code: 'witness.missing' });
    } catch (err) {
      line(false, subject, err instanceof NoteError ? `its cosignature does not verify: ${err.message}` : String(err), { code: 'witness.invalid', params: { reason: err instanceof NoteError ? err.message : String(err) } });
    }
  }
}
