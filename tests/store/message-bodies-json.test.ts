/**
 * Migration 033: a message's payload and envelope, and its receipt's signature, become `json`
 * columns. Rows written before (as jsonb) keep their content and still read back as the same objects; the evidence of a
 * message (its payload digest over the canonical text) is unchanged by the type.
 */
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrate } from '../../gateway/store/migrate';
import { migrations } from '../../gateway/store/migrations';
import { canonicalJson } from '../../gateway/crypto/canonical';
import { digestHex } from '../../gateway/crypto/digest';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ template: null });
}, 120_000);
afterAll(() => db?.drop());

test('a message stored before migration 033 keeps its payload, envelope and receipt signature, now in json columns', async () => {
  await migrate(db.store, migrations.filter((m) => m.version < 33));
  const payload = { caseNo: 'JZ-033', remarks: '中文 "quoted" \\ and \u001e', nested: { b: [1, null], a: true } };
  const envelope = { header: { v: 1, messageId: 'OLD-033' }, signatures: [{ role: 'sender', value: 'c2ln' }] };
  const id = '00000000-0000-4000-8000-000000000033';
  await db.store.query(
    `INSERT INTO messages (id, seq, sender, sender_system, receiver, type, message_id, purpose, payload, envelope, digest_alg, digest, request_digest, status, received_at, updated_at)
     VALUES ($1, 1, 'hall', 'default', 'housing', 'case-record', 'OLD-033', 'case-handling', $2::jsonb, $3::jsonb, 'sha256', $4, 'r', 'queued', now(), now())`,
    [id, JSON.stringify(payload), JSON.stringify(envelope), digestHex('sha256', canonicalJson(payload))],
  );
  const sig = { signer: 'gateway', alg: 'SM2-SM3', index: 0, proof: [], value: 'c2ln' };
  await db.store.query('INSERT INTO receipt_signatures (message_id, signature) VALUES ($1, $2::jsonb)', [id, JSON.stringify(sig)]);
  const types = async () =>
    (await db.store.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE (table_name, column_name) IN (('messages', 'payload'), ('messages', 'envelope'), ('receipt_signatures', 'signature')) ORDER BY column_name`,
    )).rows.map((r) => `${r.column_name}:${r.data_type}`);
  expect(await types()).toEqual(['envelope:jsonb', 'payload:jsonb', 'signature:jsonb']);
  await migrate(db.store);
  expect(await types()).toEqual(['envelope:json', 'payload:json', 'signature:json']);
  const row = (await db.store.query<{ payload: unknown; envelope: unknown; digest: string }>('SELECT payload, envelope, digest FROM messages WHERE id = $1', [id])).rows[0]!;
  expect(row.payload).toEqual(payload);
  expect(row.envelope).toEqual(envelope);
  expect(digestHex('sha256', canonicalJson(row.payload))).toBe(row.digest);
  expect((await db.store.query<{ signature: unknown }>('SELECT signature FROM receipt_signatures WHERE message_id = $1', [id])).rows[0]!.signature).toEqual(sig);
}, 120_000);
