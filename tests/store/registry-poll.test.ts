/**
 * The registry watcher's version poll (a Periodic): a store without LISTEN learns of a
 * registry change by the poll alone; stop() waits for a reload under way. PGlite, or
 * PostgreSQL with DATABASE_URL.
 */
import type { Store } from '../../gateway/store/db';
import { migrate } from '../../gateway/store/migrate';
import { createLogger } from '../../gateway/logger';
import { RegistryWatcher } from '../../gateway/registry/live';
import { registryVersion } from '../../gateway/registry/changes';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { discardLogs } from '../support/gateway';
import { gate } from '../support/faulty-store';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(db.store);
});
afterAll(() => db?.drop());

/** The store as one without LISTEN/NOTIFY (the poll is then all there is). */
const withoutListen = (store: Store): Store =>
  new Proxy(store, { get: (s, k) => (k === 'listen' ? undefined : typeof Reflect.get(s, k) === 'function' ? Reflect.get(s, k).bind(s) : Reflect.get(s, k)) });
const bump = () => db.store.query(`UPDATE sequences SET value = value + 1 WHERE name = 'registry'`);

test('a change reaches a process without LISTEN by the version poll; stop() waits for the reload under way', async () => {
  let reloads = 0;
  let entered = () => {};
  let hold: Promise<void> = Promise.resolve();
  const watcher = new RegistryWatcher(
    withoutListen(db.store),
    async () => {
      reloads++;
      entered();
      await hold;
    },
    { pollIntervalMs: 30 },
    createLogger('silent', discardLogs()),
  );
  await watcher.start();
  const start = await registryVersion(db.store);
  expect(watcher.version).toBe(start);

  await bump();
  await watcher.reached(start + 1);
  expect(reloads).toBe(1);

  // A reload held open: stop() resolves only once it has finished.
  const g = gate();
  hold = g.wait;
  const inReload = new Promise<void>((r) => (entered = r));
  await bump();
  await inReload;
  let stopped = false;
  const stopping = watcher.stop().then(() => (stopped = true));
  await new Promise((r) => setTimeout(r, 100));
  expect(stopped).toBe(false);
  g.open();
  await stopping;
  expect([reloads, watcher.version]).toEqual([2, start + 2]);

  // Stopped: no more polls.
  await bump();
  await new Promise((r) => setTimeout(r, 150));
  expect(reloads).toBe(2);
});
