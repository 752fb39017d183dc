import { canonicalJson } from '../crypto/canonical';
import { signedTextFor } from '../crypto/envelope';
import { verifyBatched } from '../crypto/batch-signature';
import { receiptBodyText, type BundleMessage } from './bundle';
import { shortFp, type VerifyContext } from './verify-context';
import { Problems } from './report';

/** (v2) The push receipt: the gateway's batch signature over it, and that it names this message, its digest and its received entry. */
function checkReceipt(ctx: VerifyContext, m: BundleMessage): void {
  const r = m.receipt;
  if (!r) return;
  const problems = new Problems();
  const pem = ctx.certs.get(r.signature.certificate);
  if (!pem) problems.add('receipt.no-certificate', `the certificate ${shortFp(r.signature.certificate)} that signed it is not in the bundle`, { fp: shortFp(r.signature.certificate) });
  else if (!verifyBatched(r.signature, receiptBodyText(r), pem)) problems.add('receipt.invalid', 'the gateway\'s signature over it does not verify');
  if (r.id !== m.id || r.messageId !== m.envelope.header.messageId) problems.add('receipt.other-message', 'it names another message');
  if (r.digest.alg !== m.envelope.header.payloadDigest.alg || r.digest.value !== m.envelope.header.payloadDigest.value) problems.add('receipt.other-digest', 'its digest is not the payload digest');
  const received = ctx.entries.find((e) => e.raw.index === r.log.index);
  if (!received || received.raw.leafHash !== r.log.leafHash || received.parsed?.kind !== 'message.received' || received.parsed.message?.id !== m.id) {
    problems.add('receipt.log-position', `its log position #${r.log.index} is not this message's message.received entry in the bundle`, { index: r.log.index });
  }
  ctx.lines.push({
    group: 'messages',
    ok: problems.length === 0,
    subject: `message ${m.id}`,
    text: problems.length ? `push receipt: ${problems.en.join('; ')}` : `push receipt (202) signed by ${r.signature.signer} (${r.signature.alg}) names the payload digest and log entry #${r.log.index}`,
    said: problems.length ? problems.said() : [{ code: 'receipt.ok', params: { signer: r.signature.signer, alg: r.signature.alg, index: r.log.index } }],
    messageId: m.id,
  });
}

/**
 * (v2 bundles) The exact signed texts must be the canonical forms of the parsed objects
 * beside them, so that checking the texts by hand (openssl and a script, no RFC 8785
 * implementation) checks the same thing the verifier does. Pure.
 */
export function checkSignedTexts(ctx: VerifyContext): void {
  for (const m of ctx.bundle.messages) {
    checkReceipt(ctx, m);
    const t = m.signedTexts;
    if (!t) continue;
    const sender = m.envelope.signatures.find((s) => s.role === 'sender');
    const want: Array<[string, string | undefined, string | undefined]> = [
      ['header', t.header, signedTextFor('sender', m.envelope.header)],
      ['countersigned', t.countersigned, m.envelope.signatures.some((s) => s.role === 'gateway') ? signedTextFor('gateway', m.envelope.header, sender?.value) : undefined],
      ['envelope', t.envelope, canonicalJson(m.envelope)],
    ];
    if (m.ackReceipt) {
      const { signature: _signature, ...body } = m.ackReceipt;
      want.push(['ackBody', t.ackBody, canonicalJson(body)], ['ack', t.ack, canonicalJson(m.ackReceipt)]);
    } else want.push(['ackBody', t.ackBody, undefined], ['ack', t.ack, undefined]);
    want.push(['receipt', t.receipt, m.receipt ? receiptBodyText(m.receipt) : undefined]);
    const bad = want.filter(([, have, expected]) => have !== expected).map(([name]) => name);
    ctx.lines.push({
      group: 'messages',
      ok: bad.length === 0,
      subject: `message ${m.id}`,
      text: bad.length ? `signedTexts.${bad.join(', signedTexts.')} differ from the canonical form of the parsed object` : 'the signed texts are exactly the canonical forms of the header, envelope, receipt and acknowledgement',
      said: [bad.length ? { code: 'texts.differ', params: { names: bad.map((b) => `signedTexts.${b}`).join('、') } } : { code: 'texts.ok' }],
      messageId: m.id,
    });
  }
}
