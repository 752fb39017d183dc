import { canonicalJson } from '../crypto/canonical';
import { signedTextFor } from '../crypto/envelope';
import type { VerifyContext } from './verify-context';

/**
 * (v2 bundles) The exact signed texts must be the canonical forms of the parsed objects
 * beside them, so that checking the texts by hand (openssl and a script, no RFC 8785
 * implementation) checks the same thing the verifier does. Pure.
 */
export function checkSignedTexts(ctx: VerifyContext): void {
  for (const m of ctx.bundle.messages) {
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
    const bad = want.filter(([, have, expected]) => have !== expected).map(([name]) => name);
    ctx.lines.push({
      group: 'messages',
      ok: bad.length === 0,
      subject: `message ${m.id}`,
      text: bad.length ? `signedTexts.${bad.join(', signedTexts.')} differ from the canonical form of the parsed object` : 'the signed texts are exactly the canonical forms of the header, envelope and acknowledgement',
      messageId: m.id,
    });
  }
}
