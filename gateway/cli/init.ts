import type { Command } from 'commander';
import { systemClock } from '../clock';
import { inChange } from '../admin/change';
import { initRegistry } from '../registry/first-admin';
import type { MemberKind } from '../registry/members';
import { adminClient } from './admin-client';
import { print, withStore } from './context';
import { CliRefusal, runningGateway } from './local-admin';
import { loadConfig } from '../config';

interface InitOptions {
  member: string;
  name: string;
  uscc: string;
  kind: MemberKind;
  adapter: string;
  admin: string;
  adminName?: string;
  password?: string;
}

/**
 * `xgw init`: the first member (the operator's department) and the first admin. Through
 * the running gateway's admin API when one runs on this data directory; else directly on
 * the database (nothing else writes it then), with the same checks and log entries.
 */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create the first admin (and the member it belongs to) in a registry that has none')
    .requiredOption('--member <code>', "the operator's own member code, e.g. bigdata")
    .requiredOption('--name <name>', 'its name, e.g. 江州市大数据管理局')
    .requiredOption('--uscc <uscc>', 'its 统一社会信用代码 (GB 32100)')
    .option('--kind <kind>', 'hall, municipal, vertical or station', 'municipal')
    .option('--adapter <name>', 'its adapter', 'dept-rest')
    .requiredOption('--admin <login>', "the first admin's login")
    .option('--admin-name <name>', "the first admin's display name")
    .option('--password <password>', 'at least 8 characters; omit to have one generated and printed once')
    .action(async (o: InitOptions) => {
      const member = { code: o.member, name: o.name, uscc: o.uscc, kind: o.kind, adapter: o.adapter, deliveryMode: 'pull' as const };
      const admin = { login: o.admin, name: o.adminName ?? o.admin, ...(o.password ? { password: o.password } : {}) };
      const config = loadConfig();
      let password: string | undefined;
      if (runningGateway(config.dataDir)) {
        const api = await adminClient();
        const admins = await api.call<{ items: unknown[] }>('GET', '/admin/users?role=admin&active=true&limit=1');
        if (admins.items.length) throw new CliRefusal('the registry already has an admin: log in as one and use the admin API (xgw members|users …)');
        const exists = await api.call('GET', `/admin/members/${encodeURIComponent(o.member)}`).then(() => true, () => false);
        if (!exists) await api.call('POST', '/admin/members', member);
        password = (await api.call<{ password?: string }>('POST', '/admin/users', { ...admin, role: 'admin', department: o.member })).password;
      } else {
        password = await withStore(async (store, cfg) => {
          // Loaded here, not at the top: the adapters (node-soap) cost every other xgw command ≈0.13 s to load.
          const { AdapterBindings } = await import('../adapters/bindings');
          const adapters = new AdapterBindings(cfg, () => undefined);
          const deps = { store, clock: systemClock, config: cfg, adapters, registry: { refresh: async () => undefined } };
          const { result } = await inChange(deps, 'local/cli', (ctx) => initRegistry(ctx, { member, admin }));
          return result.admin.password;
        });
      }
      print(`first admin ${o.admin} in member ${o.member}`);
      if (password) print(`password (shown once): ${password}`);
      print('next: add the departments (xgw members add), their systems and tokens (xgw systems add|token), agreements (xgw agreements add)');
    });
}
