import { type TestGateway } from '../support/gateway';
import type { Receiver } from '../support/receiver';
import { until } from '../support/faulty-store';
import { startWebhookGateway, type WebhookSetup } from '../support/webhook-receivers';

/**
 * The outbox records the outcomes of attempts that end together in one transaction (group
 * commit, gateway/delivery/worker.ts): each message still gets its own history event and log
 * entry with its own attempt, each receiver's breaker ends as if the outcomes came one by one,
 * and one outcome that cannot be recorded does not cost the others theirs.
 */
let w: WebhookSetup;
let t: TestGateway;
let housing: Receiver;
let docstation: Receiver;

beforeAll(async () => {
  w = await startWebhookGateway('OB', { concurrency: 12, perReceiverConcurrency: 6, breakAfterFailures: 3, maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 8000, requestTimeoutMs: 30_000 });
  ({ t, housing, docstation } = w);
});
afterAll(() => w?.close());
beforeEach(() => {
  housing.reset();
  docstation.reset();
});

const pushMany = (to: string, n: number) => w.pushMany(to, n);

/** A gate the receivers hold their answers behind, so that the attempts end together. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

test('attempts that end together are recorded in fewer transactions than attempts, each message with its own attempt, event and log entry', async () => {
  const ids = [...(await pushMany('housing', 6)), ...(await pushMany('docstation', 6))];
  const g = gate();
  // housing answers each message with another 2xx status (each event must carry its own); docstation is down
  const codes = [200, 201, 202, 203, 204, 206];
  const statusOf = new Map<string, number>();
  housing.reply = (hit) => {
    const status = codes[housing.hits.length - 1]!;
    statusOf.set(hit.body.id, status);
    return { after: g.opened, status };
  };
  docstation.reply = (hit) => {
    statusOf.set(hit.body.id, 503);
    return { after: g.opened, status: 503 };
  };
  const pass = t.gw.deps.delivery.runOnce();
  await until(() => housing.hits.length + docstation.hits.length === 12, 'all twelve attempts in flight at once');
  g.open();
  expect(await pass).toBe(12);

  const events = await t.db.store.query<{ message_id: string; event: string; detail: { attempt: number; httpStatus: number }; tx: string }>(
    `SELECT message_id, event, detail, xmin::text AS tx FROM message_events WHERE message_id = ANY($1::uuid[]) AND event IN ('delivered', 'delivery_failed')`,
    [ids],
  );
  expect(events.rows).toHaveLength(12);
  for (const e of events.rows) {
    // its own answer, not a neighbour's
    expect(e.detail).toMatchObject({ attempt: 1, httpStatus: statusOf.get(e.message_id) });
    expect(e.event).toBe(statusOf.get(e.message_id)! < 300 ? 'delivered' : 'delivery_failed');
  }
  // grouped: twelve outcomes, fewer transactions
  expect(new Set(events.rows.map((e) => e.tx)).size).toBeLessThan(12);

  const log = await t.db.store.query<{ message_id: string; entry: string }>(
    `SELECT message_id, entry FROM log_entries WHERE message_id = ANY($1::uuid[]) AND kind IN ('message.delivered', 'message.delivery_failed')`,
    [ids],
  );
  expect(log.rows).toHaveLength(12);
  for (const r of log.rows) expect(JSON.parse(r.entry).detail).toMatchObject({ attempt: 1, httpStatus: statusOf.get(r.message_id) });

  // every failure counted, batched or not: docstation's breaker is open (probe_at set), housing's closed
  const breaker = await t.db.store.query<{ receiver: string; failures: number; probe: boolean }>(
    `SELECT receiver, failures, probe_at IS NOT NULL AS probe FROM receiver_delivery WHERE receiver IN ('housing', 'docstation') ORDER BY receiver`,
  );
  expect(breaker.rows.filter((r) => r.failures > 0)).toEqual([{ receiver: 'docstation', failures: 6, probe: true }]);
  const states = await t.db.store.query<{ receiver: string; status: string; n: number }>(
    `SELECT receiver, status, count(*)::int AS n FROM deliveries WHERE message_id = ANY($1::uuid[]) GROUP BY 1, 2 ORDER BY 1, 2`,
    [ids],
  );
  expect(states.rows).toEqual([
    { receiver: 'docstation', status: 'pending', n: 6 },
    { receiver: 'housing', status: 'delivered', n: 6 },
  ]);

  // back: the probe's success closes the breaker and the other five follow in the same pass
  docstation.reply = () => 'ok';
  t.clock.advance(3_600_000);
  expect(await t.gw.deps.delivery.runOnce()).toBe(6);
  const after = await t.db.store.query<{ failures: number }>(`SELECT failures FROM receiver_delivery WHERE receiver = 'docstation'`);
  expect(after.rows[0]!.failures).toBe(0);
});

test('an outcome that cannot be recorded (its hook fails) costs the others nothing: they are recorded one by one', async () => {
  const ids = await pushMany('housing', 5);
  const bad = ids[2]!;
  const g = gate();
  housing.reply = () => ({ after: g.opened, status: 200 });
  t.gw.deps.delivery.onDelivered(async (_db, d) => {
    if (d.id === bad) throw new Error('hook refused this one');
  });
  const pass = t.gw.deps.delivery.runOnce();
  await until(() => housing.hits.length === 5, 'all five attempts in flight at once');
  g.open();
  await expect(pass).rejects.toThrow('hook refused this one');

  const rows = await t.db.store.query<{ message_id: string; status: string }>(`SELECT message_id, status FROM deliveries WHERE message_id = ANY($1::uuid[])`, [ids]);
  const status = Object.fromEntries(rows.rows.map((r) => [r.message_id, r.status]));
  for (const id of ids) expect(status[id]).toBe(id === bad ? 'in_flight' : 'delivered');
  const delivered = await t.db.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM log_entries WHERE message_id = ANY($1::uuid[]) AND kind = 'message.delivered'`, [ids]);
  expect(delivered.rows[0]!.n).toBe(4);
});
