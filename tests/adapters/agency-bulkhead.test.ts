import { startAgencyWorld, type AgencyWorld } from '../support/agencies';

// One call in flight and one waiting at most: a third concurrent call is refused at once.
let w: AgencyWorld;
beforeAll(async () => {
  w = await startAgencyWorld({ amr: { maxConcurrent: 1, maxQueued: 1, timeoutMs: 3000 } });
});
afterAll(async () => {
  await w?.close();
});

test('bounded concurrency: calls beyond maxConcurrent + maxQueued get GW_ERR_AGENCY_BUSY at once; the others are answered', async () => {
  w.agencies.amr.behave({ delayMs: 400 });
  const call = () =>
    w.t.call('POST', '/api/v1/services/amr/query-enterprise', {
      token: w.t.tokens.hall,
      body: { uscc: '91350100273896412W' },
      headers: { 'x-purpose': 'case-handling', 'x-case-id': 'JZ-BH-20260302-01' },
    });
  const started = Date.now();
  const answers = await Promise.all([call(), call(), call()].map((p) => p.then((r) => ({ ...r, ms: Date.now() - started }))));
  const busy = answers.filter((a) => a.status === 503);
  expect(busy.map((a) => [a.body.code, a.headers.get('retry-after')])).toEqual([['GW_ERR_AGENCY_BUSY', '1']]);
  expect(busy[0].ms).toBeLessThan(350); // refused without waiting for the agency
  expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
  // the agency saw the two admitted calls, one after the other
  expect(w.agencies.amr.received).toHaveLength(2);
});
