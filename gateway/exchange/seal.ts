import type { Trust } from '../trust/trust';
import type { LogHashAlg } from '../merkle/hash';
import { prepareEntry } from '../log/entries';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { signBatchAsync, type BatchedSignature } from '../crypto/batch-signature';
import { formatTime } from '../clock';
import { signedTextFor, type EnvelopeSignature } from '../crypto/envelope';
import type { NewMessage, PreparedMessage } from './types';

/** A sealed message with its envelope's canonical JSON text (the writer stores that text as the envelope column). */
export type SealedMessage = NewMessage & { envelopeText: string };

/**
 * Seals a group-commit batch: one batch signature per sending department over
 * all of its headers in the batch (the department's own algorithm, SM2 by
 * default), the envelope of each message, and its 'message.received' log entry
 * (which names the envelope's digest and signature). Runs once per batch, so the
 * signing cost is shared by every message in it; the signatures are made on the
 * thread pool (signBatchAsync), all departments' at once.
 *
 * Each header is canonicalised once: its text is the leaf the department signs and
 * the `header` member of the envelope's canonical text (RFC 8785 puts "header"
 * before "signatures"), whose SHA-256 the log entry names.
 */
export async function sealBatch(trust: Trust, logAlg: LogHashAlg, msgs: PreparedMessage[], at: Date): Promise<SealedMessage[]> {
  const when = formatTime(at);
  const headerTexts = msgs.map((m) => canonicalJson(m.header));
  const signatures: EnvelopeSignature[][] = msgs.map((m) => (m.senderSignature ? [m.senderSignature] : []));
  const signing: Array<Promise<void>> = [];
  // Departments that did not sign: one batch signature each, with their key, on their behalf.
  const bySender = new Map<string, number[]>();
  msgs.forEach((m, i) => {
    if (m.senderSignature) return;
    const idxs = bySender.get(m.sender);
    if (idxs) idxs.push(i);
    else bySender.set(m.sender, [i]);
  });
  const place = (idxs: number[], made: (k: number) => EnvelopeSignature) => idxs.forEach((i, k) => signatures[i]!.push(made(k)));
  // Members in RFC 8785 order (here and in the log entry below), so canonicalJson serialises them as they are.
  const batched = (role: 'sender' | 'gateway', onBehalf: boolean, b: BatchedSignature): EnvelopeSignature => ({
    alg: b.alg, certificate: b.certificate, index: b.index, manifest: b.manifest, onBehalf, proof: b.proof, role, signer: b.signer, value: b.value,
  });
  for (const [sender, idxs] of bySender) {
    const texts = idxs.map((i) => headerTexts[i]!);
    signing.push(
      signBatchAsync(trust.signerFor(sender)!, sender, trust.signerCertificate(sender)!, texts, when).then((batch: BatchedSignature[]) =>
        place(idxs, (k) => batched('sender', true, batch[k]!)),
      ),
    );
  }
  // Departments that signed themselves: the gateway countersigns (one batch signature for all of them).
  const signedBySender = msgs.flatMap((m, i) => (m.senderSignature ? [i] : []));
  if (signedBySender.length) {
    const texts = signedBySender.map((i) => signedTextFor('gateway', msgs[i]!.header, msgs[i]!.senderSignature!.value));
    signing.push(
      signBatchAsync(trust.logSigner, 'gateway', trust.logCertificate, texts, when).then((counter) =>
        place(signedBySender, (k) => batched('gateway', false, counter[k]!)),
      ),
    );
  }
  await Promise.all(signing);
  return msgs.map((m, i) => {
    const envelope = { header: m.header, signatures: signatures[i]! };
    const envelopeText = `{"header":${headerTexts[i]},"signatures":${canonicalJson(envelope.signatures)}}`;
    const { header: _header, senderSignature: _signed, ...rest } = m;
    const logEntry = prepareEntry(
      logAlg,
      'message.received',
      m.receivedAt,
      {
        ...(m.conversion ? { conversion: m.conversion.provenance } : {}),
        envelope: {
          digest: { alg: 'sha256', value: digestHex('sha256', envelopeText) },
          signatures: envelope.signatures.map(({ role, signer, onBehalf, alg, certificate }) => ({ alg, certificate, onBehalf, role, signer })),
        },
        message: { caseId: m.caseId, from: m.sender, id: m.id, messageId: m.messageId, purpose: m.purpose, to: m.receiver, type: m.type },
        payloadDigest: m.header.payloadDigest,
      },
      { messageId: m.id, caseId: m.caseId },
    );
    return { ...rest, envelope, logEntry, envelopeText };
  });
}
