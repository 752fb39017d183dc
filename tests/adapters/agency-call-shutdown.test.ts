/**
 * Shutdown and a service call whose client went away: the HTTP drain counts the request done
 * when its connection closes, but the call it started still waits for the agency and then
 * records itself. gateway.close() waits for it (services.settled()), so the record is never cut
 * off by the store closing under it (as the bench saw: "Cannot use a pool after calling end").
 */
import http from 'node:http';
import { startAgencyWorld, type AgencyWorld } from '../support/agencies';
import { until } from '../support/faulty-store';

let w: AgencyWorld;
beforeAll(async () => {
  w = await startAgencyWorld();
}, 120_000);
afterAll(async () => {
  await w.agencies.close();
  await w.t.db.drop();
});

test('a call in flight when its client leaves is recorded before gateway.close() resolves', async () => {
  // The agency answers after 500 ms (the adapter's deadline is 800 ms): the call is in flight that long.
  w.agencies.amr.behave({ delayMs: 500, times: 1 });
  const token = w.t.tokens.hall;
  const { hostname, port } = new URL(w.t.url);
  const body = JSON.stringify({ uscc: '91350100273896412W' });
  const req = http.request({
    host: hostname, port, method: 'POST', path: '/api/v1/services/amr/query-enterprise',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-purpose': 'case-handling', 'x-case-id': 'JZ-SHUTDOWN-1' },
  });
  req.on('error', () => {}); // the client leaves on purpose
  req.end(body);
  const services = w.t.gw.deps.services;
  await until(() => services.callsInFlight === 1, 'the call to reach the agency');
  req.destroy();
  await w.t.gw.close();
  // Nothing waited here after close(): the record is already committed.
  const rows = (await w.t.db.store.query<{ outcome: string; case_id: string }>(`SELECT outcome, case_id FROM service_calls WHERE case_id = 'JZ-SHUTDOWN-1'`)).rows;
  expect(rows).toEqual([{ outcome: 'ok', case_id: 'JZ-SHUTDOWN-1' }]);
  expect(services.callsInFlight).toBe(0);
}, 60_000);
