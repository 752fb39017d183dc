import type { Role } from './users';

/** Who is calling: a member's system (bearer token) or a person (login session) of a department. */
export type Principal =
  | { kind: 'system'; member: string; system: string }
  | { kind: 'user'; member: string; userId: string; login: string; role: Role };
