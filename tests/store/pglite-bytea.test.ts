/**
 * The embedded PGlite store takes a bytea parameter as the bytes themselves (a binary
 * parameter, as node-postgres sends a Buffer), not through PGlite's own serializer, which
 * spells it as hex text one string per byte: that garbage raised the gateway's RSS by ~100 MB
 * while a 100 MB attachment streamed in (bench/attachments.ts, documents/attachments.ts).
 */
import { openPglite } from '../../gateway/store/pglite';
import type { Store } from '../../gateway/store/db';

jest.setTimeout(120_000);

let store: Store;
beforeAll(async () => {
  store = await openPglite();
});
afterAll(async () => {
  await store?.close();
});

test('a Buffer (a view into a larger buffer, too) is stored byte for byte', async () => {
  const whole = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
  const view = whole.subarray(7, 263); // byteOffset 7: only these 256 bytes
  const r = await store.query<{ hex: string; len: number }>(`SELECT encode($1::bytea, 'hex') AS hex, length($1::bytea) AS len`, [view]);
  expect(r.rows[0]).toEqual({ hex: view.toString('hex'), len: 256 });
});

test('the parameter crosses as binary: a text that PGlite’s hex serializer refuses is taken as bytea input', async () => {
  // PGlite's own bytea serializer throws "Invalid input for bytea type" for anything but a Uint8Array
  const r = await store.query<{ hex: string }>(`SELECT encode($1::bytea, 'hex') AS hex`, ['\\x0aff']);
  expect(r.rows[0]).toEqual({ hex: '0aff' });
});
