import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/db';
import type { Clock } from '../clock';
import { usccCheckChar } from '../schemas/identifiers';
import { upsertMember, type Member } from './members';
import { upsertAgreement, type Agreement } from './agreements';
import { ensureSystem, createSystemToken, revokeTokensByLabel, findSystemByToken } from './systems';
import { upsertUser, type Role } from './users';
import { randomPassword } from './passwords';

const uscc = (body17: string) => body17 + usccCheckChar(body17);

/** The demo city: 江州市. USCCs are well-formed (valid check characters) but fictitious. */
export const demoMembers: Member[] = [
  { code: 'hall', name: '江州市政务服务大厅', kind: 'hall', uscc: uscc('11360100MB1234567'), adapter: 'hall-rest', deliveryMode: 'pull', webhookUrl: null, keyAlg: 'sm2' },
  { code: 'housing', name: '江州市住房和城乡建设局', kind: 'municipal', uscc: uscc('11360100MB2345678'), adapter: 'dept-rest', deliveryMode: 'pull', webhookUrl: null, keyAlg: 'sm2' },
  { code: 'amr', name: '江州市市场监督管理局', kind: 'vertical', uscc: uscc('11360100MB3456789'), adapter: 'amr-soap', deliveryMode: 'pull', webhookUrl: null, keyAlg: 'rsa' },
  { code: 'tax', name: '国家税务总局江州市税务局', kind: 'vertical', uscc: uscc('11360100MB4567890'), adapter: 'tax-soap', deliveryMode: 'pull', webhookUrl: null, keyAlg: 'sm2' },
  { code: 'docstation', name: '江州市电子公文交换站', kind: 'station', uscc: uscc('11360100MB5678901'), adapter: 'dept-rest', deliveryMode: 'pull', webhookUrl: null, keyAlg: 'ecdsa-p256' },
];

/**
 * Agencies reached only through the municipal exchange station (adapter docstation-xml,
 * push): external addressees of 公文. 江州海关 runs its own 专网 and takes 公文 as station
 * packages. Not among demoMembers (tests list those exactly); the demo seeds them too.
 */
export const stationMembers: Member[] = [
  { code: 'customs', name: '中华人民共和国江州海关', kind: 'vertical', uscc: uscc('11360100MB6789012'), adapter: 'docstation-xml', deliveryMode: 'push', webhookUrl: null, keyAlg: 'sm2' },
];

/**
 * Adapter config for the demo agencies when no mock agency runs (tests, the bench's push
 * target): their endpoints point at the discard port, where nobody listens.
 */
export const unreachableDemoAgencies = {
  amr: { endpoint: 'http://127.0.0.1:9/amr' },
  tax: { endpoint: 'http://127.0.0.1:9/tax', credentials: { username: 'xgw', password: 'not-used' }, inbound: { credentials: { username: 'tax', password: 'not-used' } } },
};

/** Case records flow from the hall to departments; status events flow back. */
export const demoAgreements: Agreement[] = [
  ...['housing', 'amr', 'tax'].map((to) => ({ sender: 'hall', receiver: to, messageType: 'case-record', purposes: ['case-handling', 'parallel-approval'] })),
  ...['housing', 'amr', 'tax'].map((from) => ({ sender: from, receiver: 'hall', messageType: 'case-status', purposes: ['status-feedback'] })),
  { sender: 'housing', receiver: 'amr', messageType: 'case-record', purposes: ['parallel-approval'] },
  // 一次录入、各部门共享: the hall looks applicants up at the agencies while handling a case
  { sender: 'hall', receiver: 'amr', messageType: 'query-enterprise', purposes: ['case-handling'] },
  { sender: 'hall', receiver: 'tax', messageType: 'query-tax-status', purposes: ['case-handling'] },
];

const demoUsers: { login: string; name: string; role: Role; department: string }[] = [
  { login: 'hall.clerk', name: '王敏(大厅窗口)', role: 'clerk', department: 'hall' },
  { login: 'housing.clerk', name: '李强(住建局收发员)', role: 'clerk', department: 'housing' },
  { login: 'housing.signer', name: '赵刚(住建局签发人)', role: 'signer', department: 'housing' },
  { login: 'tax.clerk', name: '孙丽(税务局收发员)', role: 'clerk', department: 'tax' },
  { login: 'amr.clerk', name: '吴峰(市场监管局收发员)', role: 'clerk', department: 'amr' },
  { login: 'auditor', name: '陈静(电子监察)', role: 'auditor', department: 'hall' },
  { login: 'supervisor', name: '周伟(效能督查)', role: 'supervisor', department: 'hall' },
  { login: 'admin', name: '系统管理员', role: 'admin', department: 'hall' },
];

export interface DemoCredentials {
  members: Record<string, { token: string }>;
  users: Record<string, { password: string; role: Role }>;
  /** The mock tax bureau's WS-Security UsernameToken (both directions). */
  agencies: { tax: { username: string; password: string } };
}

async function credentialsStillValid(store: Store, c: DemoCredentials): Promise<boolean> {
  for (const m of demoMembers) {
    const t = c.members?.[m.code]?.token;
    if (!t || (await findSystemByToken(store, t))?.member !== m.code) return false;
  }
  for (const u of demoUsers) if (!c.users?.[u.login]?.password) return false;
  return Boolean(c.agencies?.tax?.password);
}

/**
 * Seeds the demo registry (idempotent) and writes dataDir/demo-credentials.json.
 * Secrets are random per installation and stored hashed; the file is the only
 * clear copy. An existing valid file is kept, so restarts keep the same logins; one
 * that does not fit this database (another database, an edited file) is never
 * overwritten: it is kept beside under another name, answered as `replaced` so the
 * start says so.
 */
export async function seedDemo(store: Store, clock: Clock, dataDir: string): Promise<DemoCredentials & { replaced?: string }> {
  const file = path.join(dataDir, 'demo-credentials.json');
  await store.tx(async (db) => {
    for (const m of stationMembers) {
      await upsertMember(db, m);
      await ensureSystem(db, m.code, 'default', `${m.name} (经交换站)`);
    }
    for (const m of demoMembers) {
      // In the demo the vertical agencies are the mock SOAP servers: the outbox delivers to them.
      await upsertMember(db, m.kind === 'vertical' ? { ...m, deliveryMode: 'push' } : m);
      await ensureSystem(db, m.code, 'default', `${m.name} 业务系统`);
    }
    for (const a of demoAgreements) await upsertAgreement(db, a);
  });
  if (fs.existsSync(file)) {
    try {
      const existing = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoCredentials;
      if (await credentialsStillValid(store, existing)) return existing;
    } catch {
      /* unreadable: issue new credentials below */
    }
  }
  const creds: DemoCredentials = { members: {}, users: {}, agencies: { tax: { username: 'jz-tax-gateway', password: randomPassword() } } };
  await store.tx(async (db) => {
    for (const m of demoMembers) {
      await revokeTokensByLabel(db, clock, m.code, 'demo');
      creds.members[m.code] = { token: (await createSystemToken(db, clock, m.code, 'default', 'demo')).token };
    }
    for (const u of demoUsers) {
      const password = randomPassword();
      await upsertUser(db, { ...u, password });
      creds.users[u.login] = { password, role: u.role };
    }
  });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let replaced: string | undefined;
  if (fs.existsSync(file)) {
    replaced = path.join(dataDir, `demo-credentials.replaced-${clock.now().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.renameSync(file, replaced);
  }
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return replaced ? { ...creds, replaced } : creds;
}
