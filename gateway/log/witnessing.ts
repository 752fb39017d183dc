import type { Store } from '../store/db';
import type { Logger } from '../logger';
import type { LogHashAlg } from '../merkle/hash';
import { consistencyProof, readHead } from './store';
import { NoteError, parseNote, parseVkey, verifyNote, type NoteVerifierKey } from './note';

/**
 * The log's side of c2sp.org/tlog-witness: every new checkpoint (as a signed note) is
 * POSTed to each configured witness's add-checkpoint with a consistency proof from the
 * size that witness last cosigned; the cosignature line it answers is checked with its
 * key and stored beside the checkpoint (checkpoint_cosignatures), from where GET
 * /log/checkpoint (text/plain) and evidence bundles publish it. A witness that was
 * told another old size answers 409 with its size: one retry from there. A witness
 * that refuses (422: the proof does not lead from what it cosigned) or is down leaves
 * the checkpoint without its cosignature; the next checkpoint tries again.
 */
interface Witness {
  url: string;
  key: NoteVerifierKey;
}

export interface WitnessOutcome {
  witness: string;
  size: number;
  ok: boolean;
  /** HTTP status, or 0 when the witness could not be reached. */
  status: number;
  detail: string;
}

export class Witnessing {
  private readonly witnesses: Witness[];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly alg: LogHashAlg,
    witnesses: ReadonlyArray<{ url: string; vkey: string }>,
    private readonly log: Logger,
    private readonly timeoutMs = 5000,
  ) {
    this.witnesses = witnesses.map((w) => ({ url: w.url.replace(/\/+$/, ''), key: parseVkey(w.vkey) }));
  }

  get configured(): boolean {
    return this.witnesses.length > 0;
  }

  /** Queues the checkpoint of `size` for every witness (one submission at a time, in order). */
  submit(size: number): Promise<WitnessOutcome[]> {
    const run = this.queue.then(() => this.witnessCheckpoint(size));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every submission queued so far has been answered (or failed). */
  async settled(): Promise<void> {
    await this.queue;
  }

  /** Sends the checkpoint of `size` to each witness that has not cosigned it yet. */
  async witnessCheckpoint(size: number): Promise<WitnessOutcome[]> {
    const row = (await this.store.query<{ note: string | null }>('SELECT note FROM checkpoints WHERE size = $1', [size])).rows[0];
    if (!row?.note) return [];
    const note = row.note;
    const outcomes: WitnessOutcome[] = [];
    for (const w of this.witnesses) {
      const have = await this.store.query('SELECT 1 FROM checkpoint_cosignatures WHERE size = $1 AND witness = $2 AND key_id = $3', [size, w.key.name, w.key.keyId.toString('hex')]);
      if (have.rows.length) continue;
      const outcome = await this.addCheckpoint(w, size, note).catch((err: Error) => ({ witness: w.key.name, size, ok: false, status: 0, detail: err.message }));
      if (!outcome.ok) this.log.warn({ witness: w.key.name, size, status: outcome.status, detail: outcome.detail }, 'a witness did not cosign the checkpoint');
      outcomes.push(outcome);
    }
    return outcomes;
  }

  /** The size this witness last cosigned for us (0: never). */
  private async lastCosigned(w: Witness): Promise<number> {
    const r = await this.store.query<{ size: string | number | null }>('SELECT max(size) AS size FROM checkpoint_cosignatures WHERE witness = $1 AND key_id = $2', [w.key.name, w.key.keyId.toString('hex')]);
    return Number(r.rows[0]?.size ?? 0);
  }

  private async addCheckpoint(w: Witness, size: number, note: string): Promise<WitnessOutcome> {
    const result = (ok: boolean, status: number, detail: string): WitnessOutcome => ({ witness: w.key.name, size, ok, status, detail });
    let old = await this.lastCosigned(w);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (old > size) return result(false, 409, `the witness has cosigned size ${old}, beyond this checkpoint`);
      const head = await readHead(this.store);
      const proof = old > 0 && old < size ? await consistencyProof(this.store, this.alg, old, size, head.frontier.size) : [];
      const body = `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
      const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await res.text();
      if (res.status === 409 && /^(0|[1-9][0-9]*)\n$/.test(text)) {
        old = Number(text.trim());
        continue;
      }
      if (res.status !== 200) return result(false, res.status, text.slice(0, 200));
      return this.keep(w, size, note, text).then((detail) => result(detail === null, detail === null ? 200 : 502, detail ?? 'cosigned'));
    }
    return result(false, 409, 'the witness changed its size twice');
  }

  /** Checks the witness's answer with its key and stores the cosignature; returns why it is unusable, or null. */
  private async keep(w: Witness, size: number, note: string, answer: string): Promise<string | null> {
    let verified;
    try {
      const parsed = parseNote(note + answer);
      verified = verifyNote({ text: parsed.text, signatures: parsed.signatures.filter((s) => s.name === w.key.name) }, [w.key]);
      if (!verified.length) return 'the answer holds no cosignature by the configured witness key';
      const line = parsed.signatures.find((s) => s.name === w.key.name && s.keyId.equals(w.key.keyId))!.line;
      await this.store.query(
        `INSERT INTO checkpoint_cosignatures (size, witness, key_id, line, cosigned_at) VALUES ($1, $2, $3, $4, to_timestamp($5))
         ON CONFLICT (size, witness, key_id) DO UPDATE SET line = excluded.line, cosigned_at = excluded.cosigned_at`,
        [size, w.key.name, w.key.keyId.toString('hex'), line, verified[0]!.timestamp ?? 0],
      );
      return null;
    } catch (err) {
      if (err instanceof NoteError) return `the answer is not a valid cosignature: ${err.message}`;
      throw err;
    }
  }
}
