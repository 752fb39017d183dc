import type { BundleReport, CheckLine } from './report';

/**
 * The signature status of each event of a case timeline, from the verifier's report on the
 * case's evidence bundle (verify-bundle.ts: the checks of `xgw verify bundle`). Each timeline
 * event is one logged message: its lines are those naming its log index or its message (the
 * payload digest, the sender's and the gateway's signatures and their certificate chains, the
 * message.received entry, the receiver's signed acknowledgement, the entries' inclusion
 * proofs); a service call's event, its service.called entry and the digests of its request and
 * answer. A failed check of the whole bundle (the checkpoint's signature, a trust anchor)
 * fails every event. Pure.
 */
export type EventSignatureStatus = 'verified' | 'failed' | 'pending' | 'unavailable';

export interface EventSignature {
  /**
   * verified: every check of the event passed; failed: one did not (see problems);
   * pending: logged after the checkpoint the bundle was proved against;
   * unavailable: the message is not in the case's bundle (its envelope names another case).
   */
  status: EventSignatureStatus;
  /** The sender's signature as the verifier checked it. */
  signer?: string;
  alg?: string;
  /** Signed by the gateway on the department's behalf (the department holds no key of its own). */
  onBehalf?: boolean;
  /** The checks that failed, as the verifier's report lines say them (English `text`, and `said` as codes a client words in its own language). */
  problems?: Pick<CheckLine, 'group' | 'subject' | 'text' | 'said'>[];
}

/** A timeline event as the case view lists it. */
export interface LoggedEvent {
  logIndex: number;
  messageId: string;
}

/** The bundle-wide checks whose failure no event escapes. */
const BUNDLE_WIDE: readonly CheckLine['group'][] = ['bundle', 'checkpoint', 'witnesses'];

function senderOf(lines: CheckLine[]): Pick<EventSignature, 'signer' | 'alg' | 'onBehalf'> {
  for (const l of lines) {
    for (const s of l.said ?? []) {
      if ((s.code === 'signature.ok' || s.code === 'signature.ok-on-behalf') && s.params?.role === 'sender') {
        return { signer: String(s.params.signer), alg: String(s.params.alg), onBehalf: s.code === 'signature.ok-on-behalf' };
      }
    }
  }
  return {};
}

/** Each event's signature status (by log index). */
export function eventSignatures(report: BundleReport, events: readonly LoggedEvent[]): Map<number, EventSignature> {
  const wide = report.lines.filter((l) => BUNDLE_WIDE.includes(l.group) && !l.ok);
  const size = report.checkpoint?.size ?? 0;
  const out = new Map<number, EventSignature>();
  for (const e of events) {
    const own = report.lines.filter((l) => l.index === e.logIndex || l.messageId === e.messageId);
    if (e.logIndex >= size && !own.length) {
      out.set(e.logIndex, { status: 'pending' });
      continue;
    }
    // A message's event has its message checks; a service call's (共享查询) its log entry and the digests of its texts.
    if (!own.some((l) => l.group === 'messages' || l.group === 'services')) {
      out.set(e.logIndex, {
        status: 'unavailable',
        problems: [{
          group: 'bundle',
          subject: `entry #${e.logIndex}`,
          text: 'the message is not in the case\'s evidence bundle (its envelope names another case id)',
          said: [{ code: 'timeline.not-in-bundle', params: { index: e.logIndex } }],
        }],
      });
      continue;
    }
    const failed = [...wide, ...own.filter((l) => !l.ok)];
    out.set(e.logIndex, {
      status: failed.length ? 'failed' : 'verified',
      ...senderOf(own),
      ...(failed.length ? { problems: failed.map(({ group, subject, text, said }) => ({ group, subject, text, said })) } : {}),
    });
  }
  return out;
}
