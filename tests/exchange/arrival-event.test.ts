/**
 * A message's arrival is ONE message_events row (migration 027): `received`, carrying the
 * fields of `queued` too; the history reads it back as both events (exchange/lifecycle.ts
 * historyEvents). A push writes exactly that row; a database written before 027 has its
 * received/queued pairs merged the same way, and every later event is kept.
 */
import { createTestDatabase } from '../support/db';
import { startTestGateway } from '../support/gateway';
import { migrate } from '../../gateway/store/migrate';
import { migrations } from '../../gateway/store/migrations';
import { upsertMember } from '../../gateway/registry/members';
import { demoMembers } from '../../gateway/registry/demo';
import { historyEvents } from '../../gateway/exchange/lifecycle';
import { sampleCaseRecord } from '../fixtures/case-record';

test('a push stores one history row; its history reads received, then queued', async () => {
  const t = await startTestGateway();
  try {
    const record = sampleCaseRecord();
    const res = await t.call('POST', '/api/v1/messages', {
      token: t.tokens.hall,
      body: { to: 'housing', type: 'case-record', messageId: 'ARRIVAL-1', caseId: record.caseNo, purpose: 'case-handling', payload: record },
    });
    expect(res.status).toBe(202);
    const rows = await t.db.store.query<{ event: string; detail: Record<string, unknown> }>('SELECT event, detail FROM message_events WHERE message_id = $1 ORDER BY id', [res.body.id]);
    expect(rows.rows).toEqual([{ event: 'received', detail: { digest: res.body.digest.value, mode: 'pull' } }]);
    const seen = await t.call('GET', `/api/v1/messages/${res.body.id}`, { token: t.tokens.hall });
    expect(seen.body.history).toEqual([
      { event: 'received', at: res.body.receivedAt, actor: 'hall/default', digest: res.body.digest.value },
      { event: 'queued', at: res.body.receivedAt, actor: 'hall/default', mode: 'pull' },
    ]);
  } finally {
    await t.close();
  }
}, 120_000);

test('migration 027 merges each stored received/queued pair into one row and keeps every later event', async () => {
  const db = await createTestDatabase({ template: null });
  try {
    await migrate(db.store, migrations.filter((m) => m.version < 27));
    for (const m of demoMembers.filter((x) => ['hall', 'housing'].includes(x.code))) await upsertMember(db.store, m);
    const id = '00000000-0000-4000-8000-000000000027';
    await db.store.query(
      `INSERT INTO messages (id, seq, sender, sender_system, receiver, type, message_id, purpose, payload, digest_alg, digest, request_digest, status, received_at, updated_at)
       VALUES ($1, 1, 'hall', 'default', 'housing', 'case-record', 'OLD-1', 'case-handling', '{}', 'sha256', 'd1', 'r1', 'delivered', now(), now())`,
      [id],
    );
    await db.store.query(
      `INSERT INTO message_events (message_id, event, at, actor, detail) VALUES
         ($1, 'received', now(), 'hall/default', '{"digest":"d1"}'), ($1, 'queued', now(), 'hall/default', '{"mode":"push"}'),
         ($1, 'delivery_failed', now(), 'gateway', '{"error":"503"}'), ($1, 'delivered', now(), 'gateway', '{"via":"push"}')`,
      [id],
    );
    await migrate(db.store);
    const rows = (await db.store.query<{ event: string; detail: Record<string, unknown> }>('SELECT event, detail FROM message_events WHERE message_id = $1 ORDER BY id', [id])).rows;
    expect(rows).toEqual([
      { event: 'received', detail: { digest: 'd1', mode: 'push' } },
      { event: 'delivery_failed', detail: { error: '503' } },
      { event: 'delivered', detail: { via: 'push' } },
    ]);
    expect(rows.flatMap(historyEvents).map((e) => [e.event, e.detail])).toEqual([
      ['received', { digest: 'd1' }],
      ['queued', { mode: 'push' }],
      ['delivery_failed', { error: '503' }],
      ['delivered', { via: 'push' }],
    ]);
  } finally {
    await db.drop();
  }
}, 120_000);
