/**
 * The sequence of checkpoints, for `xgw verify log`: each checkpoint, in size order, is
 * linked to the one before it. Its signed body numbers it (seq, from 1) and names the
 * size of the one before (prev), so a deleted checkpoint row is a gap in the numbers;
 * and the RFC 9162 consistency proof between each two consecutive signed checkpoints,
 * built from the stored log_nodes, must verify against their signed roots — what an
 * auditor following /api/v1/log/checkpoints checks from outside.
 *
 * Only links between checkpoints whose signatures verify are judged: an unverified body
 * states nothing (its own problem is reported under 'checkpoints').
 */
import type { Store } from '../store/db';
import type { LogHashAlg } from '../merkle/hash';
import { consistencyProblem, type CheckpointFindings } from './audit-checkpoints';
import { consistencyProofs } from './store';

interface ChainProblem {
  message: string;
  checkpoint: number;
}

interface Point {
  size: number;
  /** Its number: stated (version 2), or counted on from a numbered one (version 1); null when unknown. */
  seq: number | null;
  root: Buffer | null;
  signed: boolean;
}

/** Consistency proofs fetched per query. */
const PROOF_BATCH = 500;

export class CheckpointChain {
  private prev: Point | null = null;
  private numbered = false;
  private readonly pairs: Array<{ from: number; to: number; rootFrom: Buffer; rootTo: Buffer }> = [];
  /** Checkpoints linked so far. */
  checked = 0;

  /**
   * @param fromStart the first checkpoint added is the log's first (verifying from entry 0), so it must be #1 after size 0;
   *   otherwise it is the --from-checkpoint starting point and its own link is not judged.
   */
  constructor(
    private readonly alg: LogHashAlg,
    private readonly fromStart: boolean,
    private readonly report: (p: ChainProblem) => void,
  ) {}

  /** The next checkpoint in size order. */
  add(f: CheckpointFindings): void {
    this.checked++;
    const p = this.prev;
    const at = `checkpoint at size ${f.size}`;
    const expectedSeq = p ? (p.seq === null ? null : p.seq + 1) : this.fromStart ? 1 : null;
    const judged = f.signatureOk && (p ? p.signed : this.fromStart);
    if (judged && f.link) {
      const before = p ? `#${p.seq ?? '?'} at size ${p.size}` : 'the start of the log';
      if (expectedSeq !== null && f.link.seq > expectedSeq) {
        const missing = f.link.seq - expectedSeq === 1 ? `checkpoint #${expectedSeq} is missing` : `checkpoints #${expectedSeq}–#${f.link.seq - 1} are missing`;
        this.report({ checkpoint: f.size, message: `${at} is #${f.link.seq} but follows ${before}: ${missing} (the last of them was at size ${f.link.prev})` });
      } else if (expectedSeq !== null && f.link.seq < expectedSeq) {
        this.report({ checkpoint: f.size, message: `${at} is #${f.link.seq}, a number already passed: it follows ${before}` });
      } else if (f.link.prev !== (p?.size ?? 0)) {
        this.report({ checkpoint: f.size, message: `${at} names the checkpoint before it at size ${f.link.prev}, but it follows ${before}` });
      }
    } else if (judged && this.numbered) {
      this.report({ checkpoint: f.size, message: `${at} has an unnumbered (version 1) body after numbered checkpoints` });
    }
    if (p?.signed && p.root && f.signatureOk && f.signedRoot) this.pairs.push({ from: p.size, to: f.size, rootFrom: p.root, rootTo: f.signedRoot });
    if (f.link) this.numbered = true;
    this.prev = { size: f.size, seq: f.link?.seq ?? expectedSeq, root: f.signedRoot, signed: f.signatureOk };
  }

  /** Checks the consistency proof between every two consecutive signed checkpoints within the integrated tree. */
  async proveConsistency(store: Store, integrated: number): Promise<void> {
    const pairs = this.pairs.filter((x) => x.to <= integrated);
    for (let i = 0; i < pairs.length; i += PROOF_BATCH) {
      const batch = pairs.slice(i, i + PROOF_BATCH);
      const proofs = await consistencyProofs(store, this.alg, batch.map((x) => [x.from, x.to] as const), integrated);
      batch.forEach((x, k) => {
        const problem = consistencyProblem(this.alg, x.from, x.to, proofs[k]!, x.rootFrom, x.rootTo);
        if (problem) this.report({ checkpoint: x.to, message: `checkpoint at size ${x.to}: ${problem}` });
      });
    }
  }
}
