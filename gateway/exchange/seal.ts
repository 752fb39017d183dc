import type { Trust } from '../trust/trust';
import type { LogHashAlg } from '../log/hash';
import { prepareEntry } from '../log/entries';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { signBatch } from '../crypto/batch-signature';
import { formatTime } from '../clock';
import { signedTextFor, type EnvelopeSignature } from '../crypto/envelope';
import type { NewMessage, PreparedMessage } from './types';

/**
 * Seals a group-commit batch: one batch signature per sending department over
 * all of its headers in the batch (the department's own algorithm, SM2 by
 * default), the envelope of each message, and its 'message.received' log entry
 * (which names the envelope's digest and signature). Runs once per batch, so the
 * signing cost is shared by every message in it.
 */
export function sealBatch(trust: Trust, logAlg: LogHashAlg, msgs: PreparedMessage[], at: Date): NewMessage[] {
  const when = formatTime(at);
  const signatures: EnvelopeSignature[][] = msgs.map((m) => (m.senderSignature ? [m.senderSignature] : []));
  // Departments that did not sign: one batch signature each, with their key, on their behalf.
  const bySender = new Map<string, number[]>();
  msgs.forEach((m, i) => !m.senderSignature && bySender.set(m.sender, [...(bySender.get(m.sender) ?? []), i]));
  for (const [sender, idxs] of bySender) {
    const batch = signBatch(trust.signerFor(sender)!, sender, trust.signerCertificate(sender)!, idxs.map((i) => canonicalJson(msgs[i].header)), when);
    idxs.forEach((i, k) => signatures[i].push({ role: 'sender', onBehalf: true, ...batch[k] }));
  }
  // Departments that signed themselves: the gateway countersigns (one batch signature for all of them).
  const signedBySender = msgs.flatMap((m, i) => (m.senderSignature ? [i] : []));
  if (signedBySender.length) {
    const log = trust.logSigner;
    const counter = signBatch(log, 'gateway', trust.logCertificate, signedBySender.map((i) => signedTextFor('gateway', msgs[i].header, msgs[i].senderSignature!.value)), when);
    signedBySender.forEach((i, k) => signatures[i].push({ role: 'gateway', onBehalf: false, ...counter[k] }));
  }
  return msgs.map((m, i) => {
    const envelope = { header: m.header, signatures: signatures[i] };
    const { header: _header, senderSignature: _signed, ...rest } = m;
    const logEntry = prepareEntry(
      logAlg,
      'message.received',
      m.receivedAt,
      {
        message: { id: m.id, messageId: m.messageId, from: m.sender, to: m.receiver, type: m.type, caseId: m.caseId, purpose: m.purpose },
        payloadDigest: m.header.payloadDigest,
        ...(m.conversion ? { conversion: m.conversion.provenance } : {}),
        envelope: {
          digest: { alg: 'sha256', value: digestHex('sha256', canonicalJson(envelope)) },
          signatures: envelope.signatures.map(({ role, signer, onBehalf, alg, certificate }) => ({ role, signer, onBehalf, alg, certificate })),
        },
      },
      { messageId: m.id, caseId: m.caseId },
    );
    return { ...rest, envelope, logEntry };
  });
}
