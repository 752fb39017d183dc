import { buildDist, cliEnvironment, RunningGateways, runXgw, startXgw, stopXgw } from '../support/cli';
import { postgresServer } from '../support/pg-cluster';
import { demoTokens, pushCaseRecord, type Acknowledged } from '../support/exchange-load';

// Real `xgw` processes (PGlite, PKI, mock agencies, witness) on a 2-core machine that may be busy: generous, not timed.
jest.setTimeout(180_000);

// A 202 is a promise: the message is committed with its log entry. The real `xgw start` in a child
// process is killed with SIGKILL right after the 202s (no graceful stop, pushes still in flight) and
// started again: every acknowledged receipt is there with the same id and log index, and
// `xgw verify log` passes. On both databases in every run: a PGlite data directory, and PostgreSQL
// (DATABASE_URL on the PostgreSQL pass, else a throwaway cluster of this file's own).
const gateways = new RunningGateways();
afterEach(() => gateways.stopAll());
beforeAll(() => buildDist(), 60_000);

describe.each([
  ['a PGlite data directory', false],
  ['PostgreSQL', true],
])('on %s', (_label, onPostgres) => {
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    let base = '';
    if (onPostgres) {
      const server = await postgresServer();
      closers.push(() => server.close());
      base = server.base;
    }
    const cli = await cliEnvironment('crash', { postgres: base });
    closers.unshift(() => cli.cleanup());
    ({ env, dataDir } = cli);
  }, 120_000);
  afterAll(async () => {
    for (const close of closers) await close();
  });

  test('SIGKILL right after the 202s loses no acknowledged message; the restarted gateway answers the same receipts; the log verifies', async () => {
    const first = gateways.track(await startXgw(env));
    const { hall } = demoTokens(dataDir);
    const acked = new Map<string, Acknowledged>();
    const push = async (messageId: string) => {
      const r = await pushCaseRecord(first.url, hall, messageId).catch(() => null);
      if (r?.status === 202) acked.set(messageId, { messageId, id: r.body.id, logIndex: r.body.log.index, status: 202 });
      return r?.status ?? 0;
    };
    const firstWave = Array.from({ length: 40 }, (_, i) => `crash-a-${i}`);
    expect(await Promise.all(firstWave.map(push))).toEqual(firstWave.map(() => 202));
    // A second wave is in flight when the process dies: whatever of it was acknowledged must survive too.
    const secondWave = Array.from({ length: 20 }, (_, i) => `crash-b-${i}`);
    const inFlight = Promise.all(secondWave.map(push));
    const killed = new Promise((r) => first.child.once('exit', (_code, signal) => r(signal)));
    first.child.kill('SIGKILL');
    expect(await killed).toBe('SIGKILL');
    await inFlight;
    // The demo witness (its own process) goes with the gateway that started it, SIGKILL or not.
    const witnessUrl = /witness \(own process[^)]*\): (http:\/\/\S+)/.exec(first.output())?.[1];
    expect(witnessUrl).toBeDefined();
    await witnessGone(witnessUrl!);

    const second = gateways.track(await startXgw(env));
    for (const a of acked.values()) {
      const again = await pushCaseRecord(second.url, hall, a.messageId);
      expect({ messageId: a.messageId, status: again.status, id: again.body.id, logIndex: again.body.log.index }).toEqual({
        messageId: a.messageId,
        status: 200, // a duplicate of a stored message, not a new one
        id: a.id,
        logIndex: a.logIndex,
      });
      const view = await fetch(`${second.url}/api/v1/messages/${a.id}`, { headers: { authorization: `Bearer ${hall}` } });
      expect(view.status).toBe(200);
      expect(((await view.json()) as { messageId: string }).messageId).toBe(a.messageId);
    }
    // The unacknowledged ones were either stored whole (200, a duplicate) or not at all (202 now).
    for (const messageId of secondWave.filter((m) => !acked.has(m))) {
      expect([200, 202]).toContain((await pushCaseRecord(second.url, hall, messageId)).status);
    }
    expect(await stopXgw(second.child)).toBe(0);

    const verified = runXgw(['verify', 'log'], env);
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain('OK: the exchange log verifies');
  }, 240_000);
});

/** Resolves once nothing answers at `url` any more (the witness process has exited); each probe waits for its answer or refusal. */
async function witnessGone(url: string): Promise<void> {
  for (;;) {
    const answered = await fetch(`${url}/vkey`).then(
      () => true,
      () => false,
    );
    if (!answered) return;
    await new Promise((r) => setImmediate(r));
  }
}
