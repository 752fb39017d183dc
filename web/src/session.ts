import { reactive } from 'vue';
import { api, setCsrfToken } from './api';

export interface Me {
  kind: 'user' | 'system';
  member: string;
  login?: string;
  role?: string;
  csrfToken?: string;
  name?: string;
}

export interface Member {
  code: string;
  name: string;
  kind: string;
}

/** Who is logged in (from GET /auth/me; null: nobody), and the members' names for display. */
export const session = reactive<{ me: Me | null; checked: boolean; name: string; members: Member[] }>({ me: null, checked: false, name: '', members: [] });

export const STAFF = ['clerk', 'signer'];
export const AUDIT = ['auditor', 'supervisor'];
export const ADMIN = ['admin'];

export async function loadSession(): Promise<void> {
  try {
    const me = await api<Me>('GET', '/auth/me');
    setCsrfToken(me.csrfToken ?? '');
    session.me = me;
    if (!session.name) session.name = me.login ?? '';
    await loadMembers();
  } catch {
    session.me = null;
  } finally {
    session.checked = true;
  }
}

export async function loadMembers(): Promise<void> {
  if (session.members.length) return;
  session.members = (await api<{ items: Member[] }>('GET', '/members')).items;
}

export function memberName(code: string | null | undefined): string {
  if (!code) return '—';
  return session.members.find((m) => m.code === code)?.name ?? code;
}

export function forget(): void {
  session.me = null;
  session.name = '';
  setCsrfToken('');
}

/** The first screen of a role. */
export function homeOf(role: string | undefined): string {
  if (role && AUDIT.includes(role)) return '/trace';
  if (role === 'admin') return '/admin/dead-letters';
  return '/dashboard';
}

let types: string[] | null = null;

/** The message types the gateway knows (GET /schemas), asked once; none when the gateway cannot say (the filter then offers none). */
export async function messageTypes(): Promise<string[]> {
  try {
    types ??= (await api<{ items: { type: string }[] }>('GET', '/schemas')).items.map((t) => t.type);
    return types;
  } catch {
    return [];
  }
}
