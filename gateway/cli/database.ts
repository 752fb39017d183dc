import { InvalidArgumentError, type Command } from 'commander';
import { systemClock } from '../clock';
import { migrate } from '../store/migrate';
import { createSystemToken, ensureSystem, listSystemTokens, revokeSystemToken } from '../registry/systems';
import { listUsers, ROLES, upsertUser, type Role } from '../registry/users';
import { getMember } from '../registry/members';
import { randomPassword } from '../registry/passwords';
import { withStore, print } from './context';

const role = (v: string): Role => {
  if (!(ROLES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${ROLES.join(', ')}`);
  return v as Role;
};

/** `xgw migrate`, `xgw token …`, `xgw user …`: straight on the database, no gateway involved. */
export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(() => withStore(async (store) => print(`migrations: ${(await migrate(store)).join(', ') || 'none pending'} (database: ${store.kind})`)));

  const token = program.command('token').description("members' system tokens, directly on the database (no gateway running on PGlite; else use xgw systems)");
  token
    .command('create')
    .requiredOption('-m, --member <code>', 'member code, e.g. housing')
    .option('-s, --system <code>', 'the member system', 'default')
    .option('-l, --label <text>', 'what the token is for', '')
    .description('issue a token (shown once; only its hash is stored)')
    .action((o: { member: string; system: string; label: string }) =>
      withStore(async (store) => {
        const m = await getMember(store, o.member);
        await ensureSystem(store, m.code, o.system, `${m.name} ${o.system}`);
        const t = await createSystemToken(store, systemClock, m.code, o.system, o.label);
        print(`token id ${t.id} for ${t.member}/${t.system}`);
        print(t.token);
      }),
    );
  token
    .command('revoke <idOrToken>')
    .description('revoke a token by id or by its value')
    .action((idOrToken: string) =>
      withStore(async (store) => {
        const n = await revokeSystemToken(store, systemClock, idOrToken);
        if (!n) throw new Error('no active token matches');
        print(`revoked ${n} token(s); gateways drop cached tokens within auth.tokenCacheSeconds`);
      }),
    );
  token
    .command('list')
    .description('list tokens (id, member/system, last four characters, state, label)')
    .option('-m, --member <code>', 'only this member')
    .action((o: { member?: string }) =>
      withStore(async (store) => {
        for (const t of await listSystemTokens(store, o.member)) {
          print(`${t.id}  ${`${t.member}/${t.system}`.padEnd(22)} …${t.hint}  ${t.revokedAt ? 'revoked' : 'active '}  ${t.label}`);
        }
      }),
    );

  const user = program.command('user').description('people, directly on the database (no gateway running on PGlite; else use xgw users)');
  user
    .command('create')
    .description('create or update a person (without --password one is generated and printed)')
    .requiredOption('--login <login>', 'login name')
    .requiredOption('--role <role>', ROLES.join('|'), role)
    .requiredOption('--department <code>', 'member code the person works for')
    .option('--name <name>', 'display name')
    .option('--password <password>', 'omit to generate one')
    .action((o: { login: string; role: Role; department: string; name?: string; password?: string }) =>
      withStore(async (store) => {
        await getMember(store, o.department);
        const password = o.password ?? randomPassword();
        const u = await upsertUser(store, { login: o.login, name: o.name ?? o.login, role: o.role, department: o.department, password });
        print(`user ${u.login} (${u.role}, ${u.department})${o.password ? '' : ` password: ${password}`}`);
      }),
    );
  user.command('list').description('list active people').action(() =>
    withStore(async (store) => {
      for (const u of await listUsers(store)) print(`${u.login.padEnd(18)} ${u.role.padEnd(11)} ${u.department.padEnd(12)} ${u.name}`);
    }),
  );
}
