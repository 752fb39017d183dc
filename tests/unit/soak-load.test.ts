/**
 * The soak's client (bench/soak-load.ts): a request that fails without an answer on a reused
 * keep-alive socket (the server closed it as the request went out) is sent once more, on a new
 * connection; never a second time, never after an answer, never one that failed on a new socket.
 * A local server plays the gateway closing the socket: it drops, unanswered, every request that
 * arrives on a connection which already served one (or every request at all).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestWithRetry, retryable, type Outcome } from '../../bench/soak-load';

const reset = (code: string, message = `read ${code}`) => Object.assign(new Error(message), { code });
const first = { reusedSocket: true, answered: false, attempt: 0 };

test('retried: ECONNRESET, EPIPE or a socket hang up, on a reused socket, before an answer, on the first try only', () => {
  expect(retryable(reset('ECONNRESET'), first)).toBe(true);
  expect(retryable(reset('EPIPE', 'write EPIPE'), first)).toBe(true);
  expect(retryable(reset('ECONNRESET', 'socket hang up'), first)).toBe(true);
  expect(retryable(new Error('socket hang up'), first)).toBe(true);
  expect(retryable(reset('ECONNRESET'), { ...first, reusedSocket: false })).toBe(false);
  expect(retryable(reset('ECONNRESET'), { ...first, answered: true })).toBe(false);
  expect(retryable(reset('ECONNRESET'), { ...first, attempt: 1 })).toBe(false);
  expect(retryable(reset('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), first)).toBe(false);
  expect(retryable(new Error('timed out after 30 s'), first)).toBe(false);
});

describe('requestWithRetry against a server that closes sockets under the client', () => {
  let server: http.Server;
  let port: number;
  let drop: 'reused' | 'all';
  const seen: Array<{ connection: number; reused: boolean }> = [];
  let connections = 0;
  let agents: { reuse: http.Agent; fresh: http.Agent };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number; id?: number };
      socket.id ??= ++connections;
      const reused = (socket.served ?? 0) > 0;
      seen.push({ connection: socket.id, reused });
      req.resume();
      req.on('end', () => {
        if (drop === 'all' || reused) return void socket.destroy();
        socket.served = (socket.served ?? 0) + 1;
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen.length = 0;
    connections = 0;
    agents = { reuse: new http.Agent({ keepAlive: true, maxSockets: 4 }), fresh: new http.Agent({ keepAlive: false }) };
  });
  afterEach(() => {
    agents.reuse.destroy();
    agents.fresh.destroy();
  });

  const push = (): Promise<Outcome> =>
    new Promise((resolve) => {
      const body = JSON.stringify({ messageId: 'soak-00000001' });
      requestWithRetry(agents, { hostname: '127.0.0.1', port, method: 'POST', path: '/api/v1/messages', headers: { 'content-type': 'application/json' } }, body, (o) =>
        setImmediate(() => resolve(o)),
      );
    });

  test('dropped on a reused keep-alive socket: sent once more, on a new connection, and answered', async () => {
    drop = 'reused';
    expect(await push()).toEqual({ answer: { status: 202, body: '{"ok":true}' }, error: undefined, retried: false });
    expect(await push()).toEqual({ answer: { status: 202, body: '{"ok":true}' }, error: undefined, retried: true });
    expect(seen).toEqual([
      { connection: 1, reused: false },
      { connection: 1, reused: true }, // dropped
      { connection: 2, reused: false }, // the retry
    ]);
  });

  test('once only: a retry that fails too is a failure, with its error, and not sent a third time', async () => {
    drop = 'reused';
    await push();
    drop = 'all';
    const o = await push();
    expect(o).toEqual({ answer: null, error: 'socket hang up', retried: true });
    expect(seen).toHaveLength(3);
  });

  test('dropped on a new connection: not retried', async () => {
    drop = 'all';
    expect(await push()).toEqual({ answer: null, error: 'socket hang up', retried: false });
    expect(seen).toEqual([{ connection: 1, reused: false }]);
  });
});
