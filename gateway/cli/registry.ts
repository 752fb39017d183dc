import fs from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import YAML from 'yaml';
import { ROLES } from '../registry/users';
import { adminClient, type AdminClient } from './admin-client';
import { print } from './context';
import { CliRefusal } from './local-admin';

/**
 * `xgw members|systems|agreements|webhooks|users|registry …`: registry administration from
 * the command line, always through a running gateway's admin API (cli/admin-client.ts),
 * so every change is checked, logged and reloaded exactly as the API does it.
 */
let client: Promise<AdminClient> | null = null;
const api = () => ({ call: async <T = any>(method: string, route: string, body?: unknown) => (await (client ??= adminClient())).call<T>(method, route, body) });
const q = (params: Record<string, string | undefined>) => {
  const s = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  return s ? `?${s}` : '';
};
const enc = encodeURIComponent;

/** Every page of a list. */
async function all<T>(route: string, params: Record<string, string | undefined> = {}): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  do {
    const page = await api().call<{ items: T[]; next: string | null }>('GET', route + q({ ...params, limit: '500', after }));
    out.push(...page.items);
    after = page.next ?? undefined;
  } while (after);
  return out;
}

const json = (v: string, what: string) => {
  try {
    return JSON.parse(v) as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError(`${what} must be a JSON object`);
  }
};
const bool = (v: string) => {
  if (!/^(true|false)$/.test(v)) throw new InvalidArgumentError('true or false');
  return v === 'true';
};
const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
/** Only the options given (commander leaves the others undefined). */
const given = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

type Member = { code: string; name: string; kind: string; uscc: string; adapter: string; deliveryMode: string; active: boolean };
const memberLine = (m: Member) => `${m.code.padEnd(14)} ${m.kind.padEnd(10)} ${m.uscc}  ${m.adapter.padEnd(12)} ${m.deliveryMode.padEnd(5)} ${m.active ? 'active  ' : 'inactive'} ${m.name}`;

export function registerRegistryCommands(program: Command): void {
  const members = program.command('members').description('members (成员单位) through the running gateway: list, show, add, set, deactivate');
  members
    .command('list')
    .description('list members, active and deactivated')
    .option('--kind <kind>', 'only this kind (hall, municipal, vertical, station)')
    .option('--active <bool>', 'only active (true) or deactivated (false)')
    .action(async (o: { kind?: string; active?: string }) => {
      for (const m of await all<Member>('/admin/members', o)) print(memberLine(m));
    });
  members
    .command('show <code>')
    .description("a member as JSON (adapter config included; secrets never)")
    .action(async (code: string) => print(JSON.stringify(await api().call('GET', `/admin/members/${enc(code)}`), null, 2)));
  const memberOptions = (c: Command, create: boolean) =>
    c
      .option('--name <name>', '成员单位名称')
      .option('--kind <kind>', `hall, municipal, vertical or station${create ? ' (default municipal)' : ''}`)
      .option('--uscc <uscc>', '统一社会信用代码 (GB 32100 check character verified)')
      .option('--adapter <name>', `adapter, e.g. dept-rest, hall-rest, amr-soap, tax-soap${create ? ' (default dept-rest)' : ''}`)
      .option('--adapter-config <json>', 'adapter config as a JSON object', (v) => json(v, '--adapter-config'))
      .option('--delivery <mode>', 'push (webhook or SOAP) or pull (inbox)')
      .option('--key-alg <alg>', 'signing key algorithm: sm2, rsa, ecdsa-p256, ed25519');
  memberOptions(members.command('add <code>').description('add a member'), true)
    .option('--webhook <url>', 'its webhook URL (requests to it are signed with the gateway\'s key, RFC 9421)')
    .action(async (code: string, o: Record<string, any>) => {
      const m = await api().call<Member>('POST', '/admin/members', {
        code,
        name: o.name ?? code,
        kind: o.kind ?? 'municipal',
        uscc: o.uscc,
        adapter: o.adapter ?? 'dept-rest',
        ...given({ adapterConfig: o.adapterConfig, deliveryMode: o.delivery, keyAlg: o.keyAlg }),
        ...(o.webhook ? { webhook: { url: o.webhook } } : {}),
      });
      print(`added ${memberLine(m)}`);
    });
  memberOptions(members.command('set <code>').description('change a member (only the options given)'), false)
    .option('--active <bool>', 'true reactivates, false deactivates', bool)
    .action(async (code: string, o: Record<string, any>) => {
      const body = given({ name: o.name, kind: o.kind, uscc: o.uscc, adapter: o.adapter, adapterConfig: o.adapterConfig, deliveryMode: o.delivery, keyAlg: o.keyAlg, active: o.active });
      print(`now ${memberLine(await api().call<Member>('PATCH', `/admin/members/${enc(code)}`, body))}`);
    });
  members
    .command('deactivate <code>')
    .description('deactivate a member (its row stays for history; its tokens are revoked)')
    .action(async (code: string) => print(`now ${memberLine(await api().call<Member>('DELETE', `/admin/members/${enc(code)}`))}`));

  type Agreement = { id: string; sender: string; receiver: string; messageType: string; purposes: string[]; validFrom: string | null; validTo: string | null };
  const agreementLine = (a: Agreement) => `${a.id}  ${a.sender} → ${a.receiver}  ${a.messageType}  [${a.purposes.join(', ')}]  ${a.validFrom ?? '…'} – ${a.validTo ?? '…'}`;
  const agreements = program.command('agreements').description('exchange agreements (交换协议) through the running gateway: list, add, set, remove');
  agreements
    .command('list')
    .description('list agreements')
    .option('--sender <code>', 'only this sender')
    .option('--receiver <code>', 'only this receiver')
    .option('--type <type>', 'only this message type or service')
    .action(async (o: { sender?: string; receiver?: string; type?: string }) => {
      for (const a of await all<Agreement>('/admin/agreements', { sender: o.sender, receiver: o.receiver, messageType: o.type })) print(agreementLine(a));
    });
  agreements
    .command('add')
    .description('let a sender send a message type (or call a service) to a receiver')
    .requiredOption('--sender <code>', 'sending member')
    .requiredOption('--receiver <code>', 'receiving member')
    .requiredOption('--type <type>', 'message type or service name')
    .requiredOption('--purposes <list>', 'comma-separated purposes, e.g. case-handling,parallel-approval', list)
    .option('--from <time>', 'in force from (RFC 3339)')
    .option('--to <time>', 'in force until (RFC 3339, exclusive)')
    .action(async (o: { sender: string; receiver: string; type: string; purposes: string[]; from?: string; to?: string }) => {
      const a = await api().call<Agreement>('POST', '/admin/agreements', { sender: o.sender, receiver: o.receiver, messageType: o.type, purposes: o.purposes, validFrom: o.from ?? null, validTo: o.to ?? null });
      print(`added ${agreementLine(a)}`);
    });
  agreements
    .command('set <id>')
    .description("change an agreement's purposes or validity")
    .option('--purposes <list>', 'comma-separated purposes', list)
    .option('--from <time>', 'in force from (RFC 3339; "none" to open)')
    .option('--to <time>', 'in force until (RFC 3339; "none" to open)')
    .action(async (id: string, o: { purposes?: string[]; from?: string; to?: string }) => {
      const t = (v?: string) => (v === 'none' ? null : v);
      print(`now ${agreementLine(await api().call<Agreement>('PATCH', `/admin/agreements/${enc(id)}`, given({ purposes: o.purposes, validFrom: t(o.from), validTo: t(o.to) })))}`);
    });
  agreements
    .command('remove <id>')
    .description('delete an agreement')
    .action(async (id: string) => {
      await api().call('DELETE', `/admin/agreements/${enc(id)}`);
      print(`removed agreement ${id}`);
    });

  const systems = program.command('systems').description("members' systems and their tokens through the running gateway: list, add, retire, token, tokens, revoke");
  type System = { member: string; code: string; name: string; active: boolean; activeTokens: number };
  const systemLine = (s: System) => `${`${s.member}/${s.code}`.padEnd(26)} ${s.active ? 'active ' : 'retired'} tokens ${s.activeTokens}  ${s.name}`;
  systems
    .command('list')
    .description('list systems')
    .option('-m, --member <code>', 'only this member')
    .action(async (o: { member?: string }) => {
      for (const s of await all<System>('/admin/systems', o)) print(systemLine(s));
    });
  systems
    .command('add <member> <code>')
    .description("add a system to a member")
    .option('--name <name>', 'system name')
    .action(async (member: string, code: string, o: { name?: string }) => print(`added ${systemLine(await api().call<System>('POST', '/admin/systems', { member, code, name: o.name ?? code }))}`));
  systems
    .command('retire <member> <code>')
    .description('retire a system (its tokens are revoked)')
    .action(async (member: string, code: string) => print(`now ${systemLine(await api().call<System>('DELETE', `/admin/systems/${enc(member)}/${enc(code)}`))}`));
  systems
    .command('token <member> <code>')
    .description("issue a bearer token for a system (printed once; only its hash is stored)")
    .option('-l, --label <text>', 'what the token is for', '')
    .action(async (member: string, code: string, o: { label: string }) => {
      const t = await api().call<{ id: string; token: string }>('POST', `/admin/systems/${enc(member)}/${enc(code)}/tokens`, { label: o.label });
      print(`token id ${t.id} for ${member}/${code}`);
      print(t.token);
    });
  systems
    .command('tokens')
    .description('list tokens (id, last four characters, state)')
    .option('-m, --member <code>', 'only this member')
    .action(async (o: { member?: string }) => {
      type Token = { id: string; member: string; system: string; hint: string; label: string; revokedAt: string | null };
      for (const t of await all<Token>('/admin/tokens', o)) print(`${t.id}  ${`${t.member}/${t.system}`.padEnd(26)} …${t.hint}  ${t.revokedAt ? 'revoked' : 'active '}  ${t.label}`);
    });
  systems
    .command('revoke <tokenId>')
    .description('revoke a token by id (every gateway process stops accepting it at once)')
    .action(async (id: string) => {
      await api().call('DELETE', `/admin/tokens/${enc(id)}`);
      print(`revoked token ${id}`);
    });

  type Webhook = { member: string; url: string; active: boolean };
  const webhooks = program.command('webhooks').description("members' webhook endpoints through the running gateway: list, set, test, remove");
  webhooks
    .command('list')
    .description('list webhooks')
    .action(async () => {
      for (const w of await all<Webhook>('/admin/webhooks')) print(`${w.member.padEnd(14)} ${w.active ? 'active' : 'paused'}  ${w.url}`);
    });
  webhooks
    .command('set <member>')
    .description("set a member's webhook (its requests are signed with the gateway's key: RFC 9421, verified with GET /api/v1/log/keys)")
    .option('--url <url>', 'the URL deliveries are POSTed to')
    .option('--active <bool>', 'deliver to it (true) or pause it (false)', bool)
    .action(async (member: string, o: { url?: string; active?: boolean }) => {
      const w = await api().call<Webhook>('PUT', `/admin/members/${enc(member)}/webhook`, given({ url: o.url, active: o.active }));
      print(`webhook of ${w.member}: ${w.url} (${w.active ? 'active' : 'paused'})`);
    });
  webhooks
    .command('test <member>')
    .description("send a signed test event to a member's webhook and say how it went (exit 1 if it failed)")
    .action(async (member: string) => {
      const r = await api().call<{ url: string; ok: boolean; httpStatus: number | null; latencyMs: number; error: string | null }>('POST', `/admin/members/${enc(member)}/webhook/test`);
      print(`webhook of ${member} (${r.url}): ${r.ok ? `answered HTTP ${r.httpStatus}` : `failed: ${r.error}`} in ${r.latencyMs} ms`);
      if (!r.ok) process.exitCode = 1;
    });
  webhooks
    .command('remove <member>')
    .description("remove a member's webhook")
    .action(async (member: string) => {
      await api().call('DELETE', `/admin/members/${enc(member)}/webhook`);
      print(`removed the webhook of ${member}`);
    });

  type User = { login: string; name: string; role: string; department: string; active: boolean; password?: string };
  const userLine = (u: User) => `${u.login.padEnd(18)} ${u.role.padEnd(11)} ${u.department.padEnd(12)} ${u.active ? 'active  ' : 'disabled'} ${u.name}`;
  const users = program.command('users').description('people and their roles through the running gateway: list, add, set, disable');
  users
    .command('list')
    .description('list people')
    .option('--role <role>', ROLES.join('|'))
    .option('--department <code>', 'only this member')
    .action(async (o: { role?: string; department?: string }) => {
      for (const u of await all<User>('/admin/users', o)) print(userLine(u));
    });
  users
    .command('add <login>')
    .description('add a person (without --password one is generated and printed once)')
    .requiredOption('--role <role>', ROLES.join('|'))
    .requiredOption('--department <code>', 'member code the person works for')
    .option('--name <name>', 'display name')
    .option('--password <password>', 'at least 8 characters')
    .action(async (login: string, o: { role: string; department: string; name?: string; password?: string }) => {
      const u = await api().call<User>('POST', '/admin/users', { login, name: o.name ?? login, role: o.role, department: o.department, ...given({ password: o.password }) });
      print(`added ${userLine(u)}`);
      if (u.password) print(`password (shown once): ${u.password}`);
    });
  users
    .command('set <login>')
    .description("change a person's name, role, department or password (their sessions end)")
    .option('--name <name>', 'display name')
    .option('--role <role>', ROLES.join('|'))
    .option('--department <code>', 'member code')
    .option('--password <password>', 'new password')
    .option('--active <bool>', 'true re-enables, false disables', bool)
    .action(async (login: string, o: Record<string, unknown>) => print(`now ${userLine(await api().call<User>('PATCH', `/admin/users/${enc(login)}`, given(o)))}`));
  users
    .command('disable <login>')
    .description('disable a login (the row stays for history; its sessions end)')
    .action(async (login: string) => print(`now ${userLine(await api().call<User>('DELETE', `/admin/users/${enc(login)}`))}`));

  const registry = program.command('registry').description('the whole registry as one YAML or JSON file: export, apply');
  registry
    .command('export')
    .description('print the registry (members, webhooks, systems, agreements, users); secrets are never exported')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (o: { format: string; output?: string }) => {
      const { registryVersion: _v, ...doc } = await api().call('GET', '/admin/registry');
      const text = o.format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : YAML.stringify(doc, { lineWidth: 0 });
      if (o.output) {
        fs.writeFileSync(o.output, text);
        print(`wrote ${o.output} (${doc.members.length} members, ${doc.agreements.length} agreements, ${doc.users.length} users); ${doc.notExported}`);
      } else {
        process.stdout.write(text);
        process.stderr.write(`xgw: ${doc.notExported}\n`);
      }
    });
  registry
    .command('apply <file>')
    .description('make the registry what the file says (one transaction); applying it twice changes nothing')
    .option('--dry-run', 'print the changes only')
    .action(async (file: string, o: { dryRun?: boolean }) => {
      let doc: unknown;
      try {
        doc = YAML.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CliRefusal(`${file}: ${(err as Error).message.split('\n')[0]}`);
      }
      type Result = { changes: { object: string; action: string; key: string; fields?: string[] }[]; issued: { object: string; key: string; secret: string }[] };
      const r = await api().call<Result>('POST', `/admin/registry/apply${o.dryRun ? '?dryRun=true' : ''}`, doc);
      for (const c of r.changes) print(`${o.dryRun ? 'would ' : ''}${c.action.padEnd(11)} ${c.object.padEnd(9)} ${c.key}${c.fields?.length ? `  (${c.fields.join(', ')})` : ''}`);
      for (const s of r.issued) print(`password of ${s.key} (shown once): ${s.secret}`);
      print(r.changes.length ? `${r.changes.length} change(s)${o.dryRun ? ' (dry run: nothing applied)' : ' applied'}` : 'no changes: the registry already matches the file');
    });
}
