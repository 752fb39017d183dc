import express from 'express';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { sampleCaseRecord, samplePersonCaseRecord } from '../fixtures/case-record';
import { catalogue } from '../../gateway/errors';
import { createLogger } from '../../gateway/logger';
import { requestContext } from '../../gateway/http/context';
import { problemHandler } from '../../gateway/http/problem';

const LIMIT = 65536;

let t: TestGateway;
/** Every response body this file saw, to check that none carries a stack trace. */
const seenBodies: string[] = [];
let seq = 0;

beforeAll(async () => {
  t = await startTestGateway({ config: { bodyLimitBytes: LIMIT } });
});
afterAll(async () => {
  await t?.close();
});

type Answer = Awaited<ReturnType<TestGateway['call']>>;

async function call(method: string, path: string, opts: Parameters<TestGateway['call']>[2] = {}): Promise<Answer> {
  const res = await t.call(method, path, opts);
  seenBodies.push(res.text);
  return res;
}

/** Raw fetch for bodies t.call cannot express (wrong content types, no content type). */
async function rawFetch(path: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(t.url + path, init);
  const text = await res.text();
  seenBodies.push(text);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

const envelope = (extra: Record<string, unknown> = {}) => ({
  to: 'housing',
  type: 'case-record',
  messageId: `bad-${++seq}`,
  purpose: 'case-handling',
  payload: sampleCaseRecord(),
  ...extra,
});

async function counts() {
  const r = await t.db.store.query<{ m: number; e: number; d: number }>(
    `SELECT (SELECT count(*)::int FROM messages) AS m, (SELECT count(*)::int FROM message_events) AS e, (SELECT count(*)::int FROM deliveries) AS d`,
  );
  return { messages: Number(r.rows[0].m), events: Number(r.rows[0].e), deliveries: Number(r.rows[0].d) };
}

/** Asserts the RFC 9457 problem shape with a catalogue code and a requestId equal to X-Request-Id. */
function expectProblem(res: Answer, code: keyof typeof catalogue) {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status: catalogue[code].status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ code, title: catalogue[code].title, status: catalogue[code].status, type: expect.stringContaining(code) });
  expect(typeof res.body.detail).toBe('string');
  expect(res.body.detail.length).toBeGreaterThan(0);
  expect(res.body.requestId).toBeTruthy();
  expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
}

/** Runs a refused request and checks that nothing was stored and a valid push still works afterwards. */
async function refusedWithoutEffect(code: keyof typeof catalogue, send: () => Promise<Answer>): Promise<Answer> {
  const before = await counts();
  const res = await send();
  expectProblem(res, code);
  expect(await counts()).toEqual(before);
  const ok = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope() });
  expect(ok.status).toBe(202);
  const after = await counts();
  expect(after.messages).toBe(before.messages + 1);
  return res;
}

describe('limits and refusals: catalogue problem, nothing stored, server keeps serving', () => {
  test('a body over bodyLimitBytes → 413 GW_ERR_HTTP_BODY_TOO_LARGE', async () => {
    const big = envelope({ payload: sampleCaseRecord({ remarks: '备'.repeat(40_000) }) }); // ~120 KB of UTF-8
    const res = await refusedWithoutEffect('GW_ERR_HTTP_BODY_TOO_LARGE', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: big }),
    );
    expect(res.body.detail).toContain(String(LIMIT));
    expect(t.gw.deps.config.bodyLimitBytes).toBe(LIMIT);
  });

  test('a body just under the limit is parsed (the limit is the configured one, not smaller)', async () => {
    const body = envelope({ payload: sampleCaseRecord({ remarks: 'x'.repeat(2000) }) });
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(LIMIT);
    const res = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body });
    expect(res.status).toBe(202);
    // a 60 KB body that is too big for the schema still gets past the parser: 422, not 413
    const padded = envelope({ payload: { ...sampleCaseRecord(), remarks: 'y'.repeat(60_000) } });
    expect(Buffer.byteLength(JSON.stringify(padded))).toBeLessThan(LIMIT);
    const r2 = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: padded });
    expectProblem(r2, 'GW_ERR_SCHEMA_INVALID');
    expect(r2.body.errors).toEqual([{ pointer: '/payload/remarks', message: expect.any(String) }]);
  });

  test('malformed JSON → 400 GW_ERR_HTTP_MALFORMED_JSON, the detail does not quote the body', async () => {
    await refusedWithoutEffect('GW_ERR_HTTP_MALFORMED_JSON', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, raw: '{"to": "housing", "type": ', headers: { 'content-type': 'application/json' } }),
    );
    const res = await refusedWithoutEffect('GW_ERR_HTTP_MALFORMED_JSON', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, raw: '{"to": "housing", "remarks": secret-remark}', headers: { 'content-type': 'application/json' } }),
    );
    expect(res.body.detail).toMatch(/^Unexpected token/);
    expect(res.text).not.toContain('secret-rem');
  });

  test('a JSON string or a JSON array as the body → 400', async () => {
    const str = await refusedWithoutEffect('GW_ERR_HTTP_MALFORMED_JSON', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, raw: '"just a string"', headers: { 'content-type': 'application/json' } }),
    );
    expect(str.status).toBe(400);
    const arr = await refusedWithoutEffect('GW_ERR_REQUEST_INVALID', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: [envelope()] }),
    );
    expect(arr.status).toBe(400);
    expect(arr.body.errors).toEqual([{ pointer: '', message: expect.any(String) }]);
  });

  test('wrong content type → 415 GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE (text/plain, none, form, non-UTF-8 charset)', async () => {
    const json = JSON.stringify(envelope());
    const auth = { authorization: `Bearer ${t.tokens.hall}` };
    const plain = await refusedWithoutEffect('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', () =>
      rawFetch('/api/v1/messages', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: json }),
    );
    expect(plain.body.detail).toContain('text/plain');
    await refusedWithoutEffect('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', () =>
      rawFetch('/api/v1/messages', { method: 'POST', headers: auth, body: new TextEncoder().encode(json) }),
    );
    await refusedWithoutEffect('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', () =>
      rawFetch('/api/v1/messages', { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'to=housing' }),
    );
    await refusedWithoutEffect('GW_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', () =>
      rawFetch('/api/v1/messages', { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=latin1' }, body: json }),
    );
  });

  test('unknown message type → 422 GW_ERR_SCHEMA_UNKNOWN_TYPE', async () => {
    const res = await refusedWithoutEffect('GW_ERR_SCHEMA_UNKNOWN_TYPE', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ type: 'no-such-type' }) }),
    );
    expect(res.body.detail).toContain('case-record');
  });

  test('schema failure → 422 GW_ERR_SCHEMA_INVALID with a JSON pointer for every error', async () => {
    const payload = {
      ...sampleCaseRecord(),
      caseNo: '??',
      legalLimitDays: -1,
      acceptedAt: '2026-03-02 09:30:00',
      materials: [{ name: '申请表', copies: 0, form: '传真件' }],
      unexpected: true,
    };
    const res = await refusedWithoutEffect('GW_ERR_SCHEMA_INVALID', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ payload }) }),
    );
    const pointers = (res.body.errors as { pointer: string; message: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(
      [
        '/payload/acceptedAt',
        '/payload/caseNo',
        '/payload/legalLimitDays',
        '/payload/materials/0/copies',
        '/payload/materials/0/form',
        '/payload/unexpected',
      ].sort(),
    );
    for (const e of res.body.errors) expect(typeof e.message).toBe('string');
  });

  test('unknown receiver → 404 GW_ERR_REGISTRY_UNKNOWN_MEMBER', async () => {
    await refusedWithoutEffect('GW_ERR_REGISTRY_UNKNOWN_MEMBER', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ to: 'nobody' }) }),
    );
  });

  test('missing, malformed or unknown token → 401', async () => {
    await refusedWithoutEffect('GW_ERR_AUTH_MISSING_TOKEN', () => call('POST', '/api/v1/messages', { body: envelope() }));
    await refusedWithoutEffect('GW_ERR_AUTH_MISSING_TOKEN', () =>
      call('POST', '/api/v1/messages', { body: envelope(), headers: { authorization: `Basic ${Buffer.from('hall:x').toString('base64')}` } }),
    );
    await refusedWithoutEffect('GW_ERR_AUTH_INVALID_TOKEN', () =>
      call('POST', '/api/v1/messages', { token: 'xgs_not-a-real-token', body: envelope() }),
    );
    await refusedWithoutEffect('GW_ERR_AUTH_INVALID_TOKEN', () => call('POST', '/api/v1/messages', { token: 'garbage', body: envelope() }));
  });

  test('no agreement → 403 GW_ERR_EXCHANGE_NO_AGREEMENT', async () => {
    // hall → docstation has no agreement; neither has tax → housing
    const a = await refusedWithoutEffect('GW_ERR_EXCHANGE_NO_AGREEMENT', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ to: 'docstation' }) }),
    );
    expect(a.status).toBe(403);
    await refusedWithoutEffect('GW_ERR_EXCHANGE_NO_AGREEMENT', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.tax, body: envelope() }),
    );
  });

  test('purpose not allowed → 403 GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED', async () => {
    const res = await refusedWithoutEffect('GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ purpose: 'marketing' }) }),
    );
    expect(res.body.detail).toContain('case-handling');
  });

  test('envelope errors (missing `to`, extra property) → 400 GW_ERR_REQUEST_INVALID with pointers', async () => {
    const { to: _to, ...noTo } = envelope();
    const res = await refusedWithoutEffect('GW_ERR_REQUEST_INVALID', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: { ...noTo, priority: 'high' } }),
    );
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/to', message: expect.any(String) },
        { pointer: '/priority', message: 'unknown property' },
      ]),
    );
    expect(res.body.errors).toHaveLength(2);
    const badType = await refusedWithoutEffect('GW_ERR_REQUEST_INVALID', () =>
      call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ payload: 'not an object', messageId: 'has space' }) }),
    );
    expect(badType.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/messageId', '/payload']);
  });
});

describe('other refusals', () => {
  test('unknown route → 404 GW_ERR_HTTP_NOT_FOUND problem+json (outside and inside /api/v1)', async () => {
    const outside = await call('GET', '/no/such/thing');
    expectProblem(outside, 'GW_ERR_HTTP_NOT_FOUND');
    expect(outside.body.detail).toContain('/no/such/thing');
    const inside = await call('GET', '/api/v1/no-such-endpoint', { token: t.tokens.hall });
    expectProblem(inside, 'GW_ERR_HTTP_NOT_FOUND');
    const post = await call('POST', '/api/v1/no-such-endpoint', { token: t.tokens.hall, body: {} });
    expectProblem(post, 'GW_ERR_HTTP_NOT_FOUND');
  });

  test('a message id that is not a UUID (even if UUID-shaped) is a 404, not a 500', async () => {
    for (const id of ['nope', '-'.repeat(36), '-fffffff-ffff-ffff-ffff-ffffffffffff', '0190a3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b-']) {
      const get = await call('GET', `/api/v1/messages/${id}`, { token: t.tokens.hall });
      expectProblem(get, 'GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND');
      const ack = await call('POST', `/api/v1/messages/${id}/ack`, { token: t.tokens.housing, body: { result: 'accepted' } });
      expectProblem(ack, 'GW_ERR_EXCHANGE_MESSAGE_NOT_FOUND');
    }
  });

  test('a malformed percent-encoding in the path is a 400, not a 500', async () => {
    const res = await call('GET', '/api/v1/messages/%E0%A4%A', { token: t.tokens.hall });
    expectProblem(res, 'GW_ERR_REQUEST_INVALID');
  });

  test('a sane caller X-Request-Id is echoed in the header and the problem; an insane one is replaced', async () => {
    const sane = 'req-2026.03.02:abc_123';
    const res = await call('GET', '/no/such/thing', { headers: { 'x-request-id': sane } });
    expect(res.headers.get('x-request-id')).toBe(sane);
    expect(res.body.requestId).toBe(sane);
    const ok = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope(), headers: { 'x-request-id': 'push-0001' } });
    expect(ok.status).toBe(202);
    expect(ok.headers.get('x-request-id')).toBe('push-0001');

    for (const insane of ['has space', 'x'.repeat(129), '<script>']) {
      const r = await call('GET', '/no/such/thing', { headers: { 'x-request-id': insane } });
      const id = r.headers.get('x-request-id');
      expect(id).not.toBe(insane);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.body.requestId).toBe(id);
    }
    // without a caller id, each request gets its own
    const a = await call('GET', '/no/such/thing');
    const b = await call('GET', '/no/such/thing');
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  test('an unexpected internal error is a 500 GW_ERR_INTERNAL problem without the stack (stack only in the log)', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
        cb();
      },
    });
    const app = express();
    app.use(requestContext(createLogger('info', sink)));
    app.get('/boom', () => {
      throw new Error('secret internals at /srv/xgw/gateway/x.ts');
    });
    app.use(problemHandler());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`);
      const text = await res.text();
      seenBodies.push(text);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = JSON.parse(text);
      expect(body).toMatchObject({ code: 'GW_ERR_INTERNAL', status: 500, requestId: res.headers.get('x-request-id') });
      expect(text).not.toContain('secret internals');
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      // the log has it, for operators
      const logged = JSON.stringify(lines);
      expect(logged).toContain('secret internals');
      expect(logged).toContain(body.requestId);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('no response body in this file carried a stack trace', () => {
    expect(seenBodies.length).toBeGreaterThan(40);
    for (const text of seenBodies) {
      expect(text).not.toMatch(/\n\s+at /);
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+:\d+/);
      expect(text).not.toContain('node_modules');
      expect(text).not.toMatch(/"stack"/);
    }
  });
});

describe('personal data stays out of the logs', () => {
  test('a person case record with a schema error: the 18-digit ID number never appears in clear in the logs', async () => {
    const record = samplePersonCaseRecord();
    const idNumber = (record.applicant as { idNumber: string }).idNumber;
    const phone = (record.applicant as { phone?: string }).phone!;
    expect(idNumber).toMatch(/^\d{17}[\dX]$/);
    const logsBefore = t.logs.length;

    // schema errors next to the ID number: a bad phone, an unknown applicant property, a bad limit
    const bad = { ...record, legalLimitDays: 'ten', applicant: { ...record.applicant, phone: '12345', nickname: idNumber } };
    const before = await counts();
    const res = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ payload: bad, caseId: record.caseNo }) });
    expectProblem(res, 'GW_ERR_SCHEMA_INVALID');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/payload/legalLimitDays']));
    // the ID number sent as the messageId and inside a malformed JSON body: refusals are logged with their detail
    const asId = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ payload: bad, messageId: idNumber }) });
    expect(asId.status).toBe(422);
    const malformed = await call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      raw: `{"to":"housing","payload":{"applicant":{"idNumber":"${idNumber}" "phone":"${phone}"}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    // V8's JSON.parse message quotes ~10 characters either side of the fault: here, half of the ID number
    const quoted = await call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      raw: `{"to":"housing","payload":{"applicant":{"idNumber": X${idNumber}}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(quoted, 'GW_ERR_HTTP_MALFORMED_JSON');
    expect(quoted.body.detail).toContain("Unexpected token 'X'");
    expect(quoted.text).not.toContain(idNumber.slice(0, 9));
    const nobody = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ payload: record, to: `p${idNumber}` }) });
    expect(nobody.status).toBe(404);
    // and a valid one, which is accepted and logged
    const ok = await call('POST', '/api/v1/messages', { token: t.tokens.hall, body: envelope({ payload: record, caseId: record.caseNo }) });
    expect(ok.status).toBe(202);
    expect(await counts()).toMatchObject({ messages: before.messages + 1 });

    const newLogs = t.logs.slice(logsBefore);
    expect(newLogs.length).toBeGreaterThanOrEqual(5); // the refusals and the acceptance were logged
    const text = JSON.stringify(newLogs);
    expect(text).not.toContain(idNumber);
    expect(text).not.toContain(idNumber.slice(0, 9)); // not even the region + birth year unmasked
    expect(text).not.toContain(phone);
    expect(JSON.stringify(t.logs)).not.toContain(idNumber);
  });
});
