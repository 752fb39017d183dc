import { performance } from 'node:perf_hooks';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import { buildEvidence, evidenceSourceOf, type EvidenceDeps } from '../audit/evidence';
import { eventSignatures, type EventSignature, type LoggedEvent } from '../audit/event-signatures';
import { verifyBundle } from '../audit/verify-bundle';

/**
 * The signature status of a case's timeline events (GET /cases/{caseNo}?verify=true): the
 * case's evidence bundle is built as `GET /audit/evidence` builds it (a checkpoint is signed
 * when the newest does not cover the case; no witness is asked) and checked by the offline
 * verifier against this gateway's roots (the current one and those a renewal replaced),
 * as `xgw verify bundle --root` would. Nothing of the
 * bundle leaves but each event's status: no payload, so no audit-trail entry either.
 */
export interface TimelineVerification {
  /** true: every check of the bundle passed. */
  ok: boolean;
  at: string;
  /** The signed checkpoint the entries were proved against (null when the bundle could not be built). */
  checkpointSize: number | null;
  failures: number;
  /** How long building and checking the bundle took. */
  durationMs: number;
  /** Why no status could be given (the bundle could not be built), as a catalogue code and detail. */
  error?: string;
}

export type SignatureDeps = EvidenceDeps & { trust: EvidenceDeps['trust'] & { ownRoots(): string[] } };

export async function timelineSignatures(deps: SignatureDeps, caseNo: string, events: readonly LoggedEvent[]): Promise<{ verification: TimelineVerification; byIndex: Map<number, EventSignature> }> {
  const started = performance.now();
  const at = formatTime(deps.clock.now());
  const took = () => Math.round(performance.now() - started);
  try {
    const report = verifyBundle(await buildEvidence(evidenceSourceOf(deps, { witness: false }), caseNo), { rootPems: deps.trust.ownRoots() });
    return {
      verification: { ok: report.ok, at, checkpointSize: report.checkpoint?.size ?? null, failures: report.failures, durationMs: took() },
      byIndex: eventSignatures(report, events),
    };
  } catch (err) {
    if (!(err instanceof GatewayError) || err.code === 'GW_ERR_STORE_UNAVAILABLE') throw err;
    const problem: NonNullable<EventSignature['problems']>[number] = {
      group: 'bundle',
      subject: 'bundle',
      text: `${err.code}: ${err.detail ?? err.title}`,
      said: [{ code: 'timeline.bundle-unavailable', params: { code: err.code } }],
    };
    const byIndex = new Map(events.map((e): [number, EventSignature] => [e.logIndex, { status: 'unavailable', problems: [problem] }]));
    return { verification: { ok: false, at, checkpointSize: null, failures: 0, durationMs: took(), error: `${err.code}: ${err.detail ?? err.title}` }, byIndex };
  }
}
