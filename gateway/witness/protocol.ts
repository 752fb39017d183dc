import { emptyRoot, type LogHashAlg } from '../merkle/hash';
import { verifyConsistency } from '../merkle/verify';
import { NoteError, parseCheckpointText, parseNote, verifyNote, type CheckpointNoteText, type NoteVerifierKey } from '../log/note';

/**
 * The witness's decision on one add-checkpoint request (c2sp.org/tlog-witness), pure:
 * parse the body (old size line, ≤ 63 base64 consistency proof lines, blank line, the
 * checkpoint note), then the spec's checks in its order. What the witness stores and
 * signs is the caller's business (service.ts); this only says yes, or which status.
 */
export interface WitnessedLog {
  origin: string;
  /** The log's note key(s) (type 0x01). */
  keys: NoteVerifierKey[];
  /** The log's Merkle hash: SHA-256 as RFC 6962 says, or SM3 for a log configured so. */
  hashAlg: LogHashAlg;
}

export interface LatestCosigned {
  size: number;
  /** base64 root hash. */
  root: string;
}

export class Refusal extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The checkpoint note as sent (text and signature lines). */
  note: string;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_PROOF = 63;

export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const cut = body.indexOf('\n\n');
  if (cut < 0) throw new Refusal(400, 'the body is an old size line, proof lines, a blank line and the checkpoint');
  const lines = body.slice(0, cut).split('\n');
  const old = /^old (\S+)$/.exec(lines[0] ?? '');
  if (!old || !DECIMAL.test(old[1]!) || !Number.isSafeInteger(Number(old[1]))) throw new Refusal(400, 'the first line is "old <size>"');
  const proofLines = lines.slice(1);
  if (proofLines.length > MAX_PROOF) throw new Refusal(400, `more than ${MAX_PROOF} consistency proof lines`);
  const proof = proofLines.map((l) => {
    const h = Buffer.from(l, 'base64');
    if (h.length !== 32 || h.toString('base64') !== l) throw new Refusal(400, 'a consistency proof line is not base64 of 32 bytes');
    return h;
  });
  return { oldSize: Number(old[1]), proof, note: body.slice(cut + 2) };
}

/**
 * Decides a request for a log the witness knows (`logs` by origin) given what it last
 * cosigned for that origin. Returns the checkpoint to cosign or throws a Refusal.
 */
export function checkAddCheckpoint(req: AddCheckpointRequest, logs: ReadonlyMap<string, WitnessedLog>, latest: (origin: string) => LatestCosigned | null): CheckpointNoteText {
  let cp: CheckpointNoteText;
  let text: string;
  let note;
  try {
    note = parseNote(req.note);
    text = note.text;
    cp = parseCheckpointText(text);
  } catch (err) {
    throw new Refusal(400, `not a checkpoint note: ${(err as Error).message}`);
  }
  const log = logs.get(cp.origin);
  if (!log) throw new Refusal(404, `unknown log origin ${JSON.stringify(cp.origin)}`);
  try {
    if (!verifyNote(note, log.keys).length) throw new Refusal(403, 'no signature by a known key of this log');
  } catch (err) {
    if (err instanceof NoteError) throw new Refusal(403, err.message);
    throw err;
  }
  if (req.oldSize > cp.size) throw new Refusal(400, `old size ${req.oldSize} is beyond the checkpoint size ${cp.size}`);
  const last = latest(cp.origin);
  const lastSize = last?.size ?? 0;
  if (req.oldSize !== lastSize) throw new Refusal(409, String(lastSize));
  if (cp.size === 0 && !cp.root.equals(emptyRoot(log.hashAlg))) throw new Refusal(422, 'a checkpoint of size 0 must have the empty-tree root');
  if (req.oldSize === 0) {
    if (req.proof.length) throw new Refusal(422, 'from old size 0 the consistency proof is empty');
    return cp;
  }
  const oldRoot = Buffer.from(last!.root, 'base64');
  if (req.oldSize === cp.size) {
    if (!oldRoot.equals(cp.root) || req.proof.length) throw new Refusal(422, `size ${cp.size} was cosigned with another root hash`);
    return cp;
  }
  if (!verifyConsistency(log.hashAlg, req.oldSize, cp.size, req.proof, oldRoot, cp.root)) {
    throw new Refusal(422, `the consistency proof does not lead from the cosigned tree of size ${req.oldSize} to this checkpoint`);
  }
  return cp;
}
