/**
 * XML attacks the inbound SOAP endpoints already withstand, kept as a standing suite:
 * external entities (XXE), entity expansion (billion laughs), deep nesting. Each is
 * refused by the XML gate before node-soap, the parser or the UsernameToken check see
 * it, as a SOAP fault naming GW_ERR_SOAP_XML_REFUSED; nothing is stored; the gateway
 * keeps serving.
 */
import { envelopeAround } from '../../bench/xml-shapes';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';

let w: AgencyWorld;
beforeAll(async () => {
  w = await startAgencyWorld();
});
afterAll(async () => {
  await w?.close();
});

const messages = async () => Number((await w.t.db.store.query<{ n: number }>('SELECT count(*)::int AS n FROM messages')).rows[0]!.n);
const post = (body: string) =>
  fetch(`${w.t.url}/soap/tax`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body }).then(async (r) => ({ status: r.status, text: await r.text() }));

const attacks: Record<string, string> = {
  XXE: `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${envelopeAround('<tax:bz>&xxe;</tax:bz>').replace(/^<\?xml[^>]*\?>/, '')}`,
  'billion laughs':
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
    envelopeAround('<tax:bz>&lol3;</tax:bz>').replace(/^<\?xml[^>]*\?>/, ''),
  'undeclared entity': envelopeAround('<tax:bz>&secret;</tax:bz>'),
  'deep nesting': envelopeAround(`${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}`),
};

test.each(Object.keys(attacks))('%s: a SOAP fault naming GW_ERR_SOAP_XML_REFUSED, nothing stored, the gateway keeps serving', async (name) => {
  const before = await messages();
  const r = await post(attacks[name]!);
  expect(r.status).toBe(400);
  expect(r.text).toContain('GW_ERR_SOAP_XML_REFUSED');
  expect(r.text).not.toContain('root:'); // no /etc/passwd content echoed
  expect(await messages()).toBe(before);
  expect((await fetch(`${w.t.url}/healthz`)).status).toBe(200);
});
