import { openPglite } from '../../gateway/store/pglite';
import { migrate } from '../../gateway/store/migrate';
import type { Store } from '../../gateway/store/db';
import { upsertUser } from '../../gateway/registry/users';
import { upsertMember } from '../../gateway/registry/members';
import { demoMembers } from '../../gateway/registry/demo';

// Registry writes refuse invalid data with GW_ERR_REGISTRY_INVALID and store nothing.
let store: Store;
beforeAll(async () => {
  store = await openPglite();
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
});

const count = async (table: string) => Number((await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);

test('a user with an unknown role or a short password is refused', async () => {
  const user = { login: 'x.clerk', name: '张三', department: 'hall', password: 'long enough pw' };
  await expect(upsertUser(store, { ...user, role: 'root' as never })).rejects.toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', detail: expect.stringContaining('role must be one of') });
  await expect(upsertUser(store, { ...user, role: 'clerk', password: 'short' })).rejects.toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', status: 400 });
  expect(await count('users')).toBe(0);
});

test('a member whose USCC fails the GB 32100 check digit is refused unless usccMode is warn', async () => {
  const m = { ...demoMembers[0]!, code: 'badcheck', uscc: demoMembers[0]!.uscc.slice(0, 17) + (demoMembers[0]!.uscc.endsWith('7') ? '8' : '7') };
  await expect(upsertMember(store, m)).rejects.toMatchObject({ code: 'GW_ERR_REGISTRY_INVALID', detail: expect.stringContaining('GB 32100') });
  expect(await count('members')).toBe(0);
  await upsertMember(store, m, { usccMode: 'warn' });
  expect(await count('members')).toBe(1);
});
