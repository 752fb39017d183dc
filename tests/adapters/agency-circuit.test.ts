import { startAmrMock, type AmrMock } from '../../adapters/amr-soap/mock';
import { amrSoap } from '../../adapters/amr-soap/adapter';
import type { AdapterConnection } from '../../adapters/types';
import { AdapterBindings } from '../../gateway/adapters/bindings';
import { buildConfig } from '../../gateway/config';
import { demoMembers } from '../../gateway/registry/demo';
import type { AdapterError } from '../../adapters/errors';

// The agency circuit breaker in isolation: the amr adapter bound to a real SOAP mock
// with scripted behaviour, no gateway. The breaker's half-open timer reads Date.now();
// the test moves that clock forward instead of waiting, so no wall-clock margin is involved.
const HALF_OPEN_AFTER = 30_000;
let amr: AmrMock;
let bindings: AdapterBindings;
let conn: AdapterConnection;
let skew = 0;
const realNow = Date.now.bind(Date);

const service = amrSoap.services.find((s) => s.name === 'query-enterprise')!;
const native = service.toNative({ uscc: '91350100273896412W' });
/** One synchronous call: 'ok', or the catalogue code it failed with. */
const call = () => conn.call!(service, native).then(() => 'ok', (e: AdapterError) => e.code);
const calls = async (n: number) => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await call());
  return out;
};
/** Moves the breaker's clock past its half-open delay. */
const passHalfOpenDelay = () => void (skew += HALF_OPEN_AFTER);
const refusal = { fault: { code: 'Client', reason: '统一社会信用代码不存在' } };

beforeAll(async () => {
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
  amr = await startAmrMock();
});
afterAll(async () => {
  await amr?.close();
  jest.restoreAllMocks();
});
// each case binds afresh: a new breaker, closed
beforeEach(() => {
  amr.reset();
  const member = demoMembers.find((m) => m.code === 'amr')!;
  const config = buildConfig({ adapters: { amr: { endpoint: amr.url, timeoutMs: 5000, circuit: { failures: 3, halfOpenAfterMs: HALF_OPEN_AFTER } } } });
  bindings = new AdapterBindings(config, (code) => (code === 'amr' ? member : undefined));
  bindings.bindAll([member]);
  conn = bindings.connectionOf('amr')!;
});
afterEach(async () => {
  await bindings.close();
});

test('business refusals (SOAP Client faults) leave the circuit closed, however many', async () => {
  amr.behave(refusal);
  expect(await calls(10)).toEqual(Array(10).fill('GW_ERR_AGENCY_FAULT'));
  expect(conn.circuit!()?.state).toBe('closed'); // each answer came from the agency itself
});

test('a refusal in between shows the agency is up: failures around it are not consecutive', async () => {
  amr.behave({ fail: 'http-503', times: 2 });
  expect(await calls(2)).toEqual(['GW_ERR_AGENCY_UNAVAILABLE', 'GW_ERR_AGENCY_UNAVAILABLE']);
  amr.behave({ ...refusal, times: 1 });
  expect(await call()).toBe('GW_ERR_AGENCY_FAULT');
  amr.behave({ fail: 'http-503', times: 2 });
  expect(await calls(2)).toEqual(['GW_ERR_AGENCY_UNAVAILABLE', 'GW_ERR_AGENCY_UNAVAILABLE']);
  expect(conn.circuit!()?.state).toBe('closed');
  expect(await call()).toBe('ok'); // and a success resets the count
});

test('three failures in a row open it; a failed half-open probe opens it again; a good probe closes it', async () => {
  // the agency fails exactly three times, then is healthy again: a call that reached it now would succeed
  amr.behave({ fail: 'http-503', times: 3 });
  expect(await calls(3)).toEqual(Array(3).fill('GW_ERR_AGENCY_UNAVAILABLE'));
  expect(conn.circuit!()?.state).toBe('open');
  expect(await call()).toBe('GW_ERR_AGENCY_CIRCUIT_OPEN'); // the open circuit spared the agency

  amr.behave({ fail: 'http-503', times: 1 }); // the probe will fail, nothing after it
  passHalfOpenDelay();
  expect(await call()).toBe('GW_ERR_AGENCY_UNAVAILABLE'); // the probe reached the agency and failed
  expect(conn.circuit!()?.state).toBe('open');
  expect(await call()).toBe('GW_ERR_AGENCY_CIRCUIT_OPEN'); // open again at once: no second probe before the delay

  passHalfOpenDelay();
  expect(await call()).toBe('ok');
  expect(conn.circuit!()?.state).toBe('closed');
});

test('a refused half-open probe closes the circuit: the agency answered', async () => {
  amr.behave({ fail: 'http-503' });
  await calls(3);
  expect(conn.circuit!()?.state).toBe('open');
  amr.behave(refusal);
  passHalfOpenDelay();
  expect(await call()).toBe('GW_ERR_AGENCY_FAULT');
  expect(conn.circuit!()?.state).toBe('closed');
});
