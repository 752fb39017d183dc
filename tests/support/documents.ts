/**
 * 公文 test helpers: department people (clerks and signers of the demo departments),
 * logged in over HTTP, and a 通知 draft of 市住建局.
 */
import { upsertUser, type Role } from '../../gateway/registry/users';
import { TEST_PASSWORD, type TestGateway } from './gateway';

export const DOCUMENT_PEOPLE: { login: string; role: Role; department: string }[] = [
  { login: 'housing.clerk', role: 'clerk', department: 'housing' },
  { login: 'housing.signer', role: 'signer', department: 'housing' },
  { login: 'tax.clerk', role: 'clerk', department: 'tax' },
  { login: 'tax.signer', role: 'signer', department: 'tax' },
  { login: 'amr.clerk', role: 'clerk', department: 'amr' },
  { login: 'amr.signer', role: 'signer', department: 'amr' },
  { login: 'hall.clerk', role: 'clerk', department: 'hall' },
  { login: 'doc.auditor', role: 'auditor', department: 'hall' },
  { login: 'doc.admin', role: 'admin', department: 'hall' },
];

/** Creates the people and returns a bearer token per login. */
export async function documentPeople(t: TestGateway): Promise<Record<string, string>> {
  const tokens: Record<string, string> = {};
  for (const p of DOCUMENT_PEOPLE) {
    await upsertUser(t.db.store, { ...p, name: p.login, password: TEST_PASSWORD });
    const r = await t.call('POST', '/api/v1/auth/login', { body: { login: p.login, password: TEST_PASSWORD } });
    if (r.status !== 200) throw new Error(`login ${p.login}: ${r.status} ${r.text}`);
    tokens[p.login] = r.body.token;
  }
  return tokens;
}

/** A 通知 of 江州市住房和城乡建设局 (no 字号 yet: 登记 assigns it). */
export const housingNotice = (over: Record<string, unknown> = {}) => ({
  urgency: { text: '特急', level: '特急' },
  issuerMark: '江州市住房和城乡建设局文件',
  title: '江州市住房和城乡建设局关于开展建筑工地扬尘专项检查的通知',
  kind: '通知',
  mainRecipients: ['国家税务总局江州市税务局', '江州市市场监督管理局'],
  body: '各有关单位：为改善空气质量，经研究，决定于2026年3月开展建筑工地扬尘专项检查，请予配合。',
  issuingAuthorities: ['江州市住房和城乡建设局'],
  dateWritten: { text: '2026年3月2日', date: '2026-03-02' },
  ...over,
});

/** POST as a person (bearer token) with a JSON body. */
export const as = (t: TestGateway, token: string) => ({
  post: (path: string, body: unknown = {}) => t.call('POST', path, { token, body }),
  get: (path: string) => t.call('GET', path, { token }),
});
