import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { runXgw, startXgw, useCliEnvironment } from '../support/cli';
import { demoTokens } from '../support/exchange-load';
import { sampleCaseRecord } from '../fixtures/case-record';

// Real `xgw start` processes on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// SIGTERM: the listener closes at once, a request already received is answered (and told
// `Connection: close`), the write it carries commits, the last checkpoint signs everything,
// exit 0. A request still unanswered after XGW_SHUTDOWN_TIMEOUT_MS is cut and the process
// still exits 0. On the database of the run (PGlite data directory, or PostgreSQL).
const cli = useCliEnvironment('shutdown');
const { gateways } = cli;

/** Resolves with the next chunk of output that matches. */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        stream.off('data', onData);
        resolve(seen);
      }
    };
    stream.on('data', onData);
  });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

/**
 * A push whose headers the gateway has read (it answered `100 Continue`) and whose body
 * is still on the client's side: a request in flight for as long as the test wants.
 */
async function heldPush(url: string, token: string, messageId: string) {
  const record = sampleCaseRecord();
  const body = Buffer.from(JSON.stringify({ to: 'housing', type: 'case-record', messageId, caseId: record.caseNo, purpose: 'case-handling', payload: record }));
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d) => (received += d.toString()));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const continued = waitFor(socket, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
  socket.write(
    `POST /api/v1/messages HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: keep-alive\r\n\r\n`,
  );
  await continued;
  return {
    /** Sends the body; resolves with the raw answer once the server has closed the connection. */
    async finish(): Promise<string> {
      socket.write(body);
      await closed;
      return received;
    },
    async closedByServer(): Promise<string> {
      await closed;
      return received;
    },
  };
}

test('SIGTERM: new connections refused, the request in flight is answered and committed, the last checkpoint covers the log, exit 0', async () => {
  const gw = gateways.track(await startXgw({ ...cli.env, XGW_SHUTDOWN_TIMEOUT_MS: '60000' }));
  const { hall } = demoTokens(cli.dataDir);
  const held = await heldPush(gw.url, hall, 'shutdown-in-flight-1');

  const stopping = waitFor(gw.child.stdout!, /xgw: stopping \(SIGTERM\)[^\n]*\n/);
  gw.child.kill('SIGTERM');
  expect(await stopping).toMatch(/1 request\(s\) in flight get up to 60000 ms/);
  // The listener is closed before that line is written.
  await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
  expect(gw.child.exitCode).toBeNull(); // still waiting for the request in flight

  const answer = await held.finish();
  const [head, json] = answer.slice(answer.indexOf('\r\n\r\n') + 4).split('\r\n\r\n');
  expect(head).toMatch(/^HTTP\/1\.1 202 /);
  expect(head).toMatch(/\r\nConnection: close\r\n/i);
  const receipt = JSON.parse(json) as { id: string; log: { index: number } };

  expect(await exited(gw.child)).toBe(0);
  expect(gw.output()).toContain('xgw: stopped');
  // The push is stored, and the checkpoint signed at shutdown covers it: no unsigned tail.
  const verified = runXgw(['verify', 'log', '--json'], cli.env);
  expect(verified.status).toBe(0);
  const report = JSON.parse(verified.stdout) as { entries: number; unsigned: { entries: number } | null };
  expect(report.entries).toBeGreaterThan(receipt.log.index);
  expect(report.unsigned?.entries ?? 0).toBe(0);

  const again = gateways.track(await startXgw(cli.env));
  const view = await fetch(`${again.url}/api/v1/messages/${receipt.id}`, { headers: { authorization: `Bearer ${hall}` } });
  expect(view.status).toBe(200);
  expect(((await view.json()) as { messageId: string }).messageId).toBe('shutdown-in-flight-1');
});

test('a request still unanswered at XGW_SHUTDOWN_TIMEOUT_MS is cut; the gateway still stops cleanly and says so', async () => {
  const gw = gateways.track(await startXgw({ ...cli.env, XGW_SHUTDOWN_TIMEOUT_MS: '300' }));
  const { hall } = demoTokens(cli.dataDir);
  const held = await heldPush(gw.url, hall, 'shutdown-cut-1');
  gw.child.kill('SIGTERM');
  expect(await held.closedByServer()).toBe('HTTP/1.1 100 Continue\r\n\r\n'); // no answer: the connection was cut
  expect(await exited(gw.child)).toBe(0);
  expect(gw.output()).toMatch(/"cut":1[^\n]*shutdown: requests still unanswered at the deadline were cut/);
  expect(gw.output()).toContain('xgw: stopped');
  expect(runXgw(['verify', 'log'], cli.env).status).toBe(0);
});
