import type { Role } from './users';

/** Who is calling: a member's system (bearer token) or a person (login session) of a department. */
export type Principal =
  | { kind: 'system'; member: string; system: string }
  | { kind: 'user'; member: string; userId: string; login: string; role: Role };

/** How a principal is named in histories and logs: member/system or member/login. */
export const actorName = (p: Principal): string => (p.kind === 'system' ? `${p.member}/${p.system}` : `${p.member}/${p.login}`);
