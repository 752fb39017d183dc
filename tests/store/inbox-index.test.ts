import { createTestDatabase, type TestDatabase } from '../support/db';
import { seedTestRegistry } from '../support/gateway';
import { ManualClock } from '../../gateway/clock';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await seedTestRegistry(db.store, new ManualClock());
  // 30 000 messages, almost all for other receivers: a table scan would show.
  await db.store.query(`
    INSERT INTO messages (id, seq, sender, sender_system, receiver, type, message_id, purpose, payload, digest_alg, digest,
                          request_digest, status, received_at, updated_at)
    SELECT gen_random_uuid(), g, 'hall', 'default', CASE WHEN g % 1000 = 0 THEN 'tax' ELSE 'housing' END, 'case-record',
           'bulk-' || g, 'case-handling', '{}'::jsonb, 'sha256', md5(g::text), md5(g::text), 'queued', now(), now()
    FROM generate_series(1, 30000) AS g`);
  await db.store.query('ANALYZE messages');
});
afterAll(async () => {
  await db?.drop();
});

test('an inbox page is an index range scan on (receiver, seq), not a table scan', async () => {
  const plan = await db.store.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT id FROM messages WHERE receiver = $1 AND seq > $2 ORDER BY seq LIMIT 50`,
    ['tax', 12000],
  );
  const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  expect(text).toMatch(/Index (Only )?Scan using messages_inbox|Bitmap Index Scan on messages_inbox/);
  expect(text).not.toMatch(/Seq Scan on messages/);
});
