import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import type { BundleServiceCall } from './bundle';
import type { VerifyContext } from './verify-context';
import { Problems, type Said } from './report';

/** The texts whose sha256 a service.called entry names, from the bundled call. */
function textsOf(c: BundleServiceCall): Record<string, string | null> {
  return {
    request: canonicalJson(c.request),
    response: c.response === null || c.response === undefined ? null : canonicalJson(c.response),
    nativeRequest: c.nativeRequest,
    nativeResponse: c.nativeResponse,
  };
}

/** (e) Each service.called entry names a bundled call whose texts have the digests the entry names. Pure. */
export function checkServiceCalls(ctx: VerifyContext): void {
  const calls = new Map((ctx.bundle.serviceCalls ?? []).map((c) => [c.id, c]));
  const named = new Set<string>();
  for (const { raw, parsed } of ctx.entries) {
    if (parsed?.kind !== 'service.called') continue;
    const subject = `entry #${raw.index} (service.called)`;
    const push = (ok: boolean, text: string, said: Said) => ctx.lines.push({ group: 'services', ok, subject, text, said, index: raw.index });
    const id = parsed.call?.id;
    const call = typeof id === 'string' ? calls.get(id) : undefined;
    if (!call) {
      push(false, `names call ${JSON.stringify(id ?? null)}, which is not in the bundle's serviceCalls`, [{ code: 'call.unknown', params: { id: JSON.stringify(id ?? null) } }]);
      continue;
    }
    named.add(call.id);
    if (call.retention?.mode === 'drop' && call.request === null) {
      push(true, `call ${call.id} (${parsed.call?.service} at ${parsed.call?.provider}): bodies dropped by the retention policy at ${call.retention.at}; the entry's digests still name them, their content cannot be checked`, [
        { code: 'call.dropped', params: { id: call.id, service: String(parsed.call?.service), provider: String(parsed.call?.provider), at: call.retention.at } },
      ]);
      continue;
    }
    const texts = textsOf(call);
    const problems = new Problems();
    const checked: string[] = [];
    for (const [what, d] of Object.entries(parsed.digests ?? {})) {
      const text = texts[what];
      if (d.alg !== 'sha256' || text === undefined) problems.add('call.unknown-digest', `names an unknown digest ${what} (${d.alg})`, { what, alg: String(d.alg) });
      else if (text === null) problems.add('call.no-text', `names a ${what} digest, but the bundled call has no ${what}`, { what });
      else if (digestHex('sha256', text) !== d.value) problems.add('call.altered', `the bundled ${what} does not have the digest the entry names: it was altered`, { what });
      else checked.push(what);
    }
    if (!parsed.digests?.request) problems.add('call.no-request', 'names no request digest');
    if (problems.length) push(false, `call ${call.id}: ${problems.en.join('; ')}`, problems.said({ code: 'call.named', params: { id: call.id } }));
    else push(true, `call ${call.id} (${parsed.call!.service} at ${parsed.call!.provider}): ${checked.join(', ')} match the logged digests`, [{ code: 'call.ok', params: { id: call.id, service: parsed.call!.service, provider: parsed.call!.provider, checked: checked.join('、') } }]);
  }
  for (const c of calls.values()) {
    if (!named.has(c.id)) ctx.lines.push({ group: 'services', ok: false, subject: `call ${c.id}`, text: 'no service.called entry of the bundle names this call', said: [{ code: 'call.unlogged' }] });
  }
}
