import { startTestGateway, type TestGateway } from '../support/gateway';
import { isStoreUnavailable } from '../../gateway/store/unavailable';

// Every way pg reports a lost or refused database connection is a 503 GW_ERR_STORE_UNAVAILABLE
// with Retry-After (clients retry), never a 500. Each error is injected into one statement of the
// real store (fault injection; the gateway, routes and problem handler are the real ones).
let t: TestGateway;
let inject: unknown = null;
beforeAll(async () => {
  t = await startTestGateway();
  const store = t.gw.deps.store as { query: (...a: unknown[]) => Promise<unknown> };
  const real = store.query.bind(store);
  store.query = (...a: unknown[]) => {
    const err = inject;
    inject = null;
    return err ? Promise.reject(err) : real(...a);
  };
});
afterAll(() => t?.close());

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const refused = Object.assign(new AggregateError([
  Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' }),
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
]), { code: undefined });

const lost: Array<[string, unknown]> = [
  ['57P01 admin_shutdown (pg_terminate_backend)', pgError('57P01', 'terminating connection due to administrator command')],
  ['57P02 crash_shutdown', pgError('57P02', 'terminating connection because of crash of another server process')],
  ['57P03 cannot_connect_now', pgError('57P03', 'the database system is starting up')],
  ['53300 too_many_connections', pgError('53300', 'sorry, too many clients already')],
  ['08006 connection_failure', pgError('08006', 'connection failure')],
  ['08001 unable to connect', pgError('08001', 'could not connect')],
  ['08P01 protocol_violation', pgError('08P01', 'protocol violation')],
  ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ['ETIMEDOUT', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })],
  ['both addresses of localhost refused (AggregateError)', refused],
  ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
  ['pg: client not queryable', new Error('Client has encountered a connection error and is not queryable')],
  ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect')],
];

test.each(lost)('%s: 503 GW_ERR_STORE_UNAVAILABLE with Retry-After', async (_name, err) => {
  inject = err;
  const res = await t.call('GET', '/api/v1/inbox', { token: t.tokens.housing });
  expect(inject).toBeNull(); // the request did reach the database
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ code: 'GW_ERR_STORE_UNAVAILABLE', status: 503 });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await t.call('GET', '/api/v1/inbox', { token: t.tokens.housing })).status).toBe(200); // and the next one is served
});

test('real errors stay errors: a constraint violation or a syntax error is a 500, not a retryable 503', async () => {
  for (const err of [pgError('23505', 'duplicate key value violates unique constraint'), pgError('42601', 'syntax error'), new TypeError('x is undefined')]) {
    expect(isStoreUnavailable(err)).toBe(false);
    inject = err;
    const res = await t.call('GET', '/api/v1/inbox', { token: t.tokens.housing });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('GW_ERR_INTERNAL');
  }
});

test('/readyz is red (503 + Retry-After) while the database does not answer', async () => {
  inject = pgError('57P03', 'the database system is shutting down');
  const red = await t.call('GET', '/readyz');
  expect(red.status).toBe(503);
  expect(red.body.code).toBe('GW_ERR_STORE_UNAVAILABLE');
  expect(Number(red.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await t.call('GET', '/readyz')).status).toBe(200);
});
