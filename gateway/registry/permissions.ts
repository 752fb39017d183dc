import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors';
import type { Principal } from './principal';
import { ROLES, type Role } from './users';

/**
 * Who may do what: the one role × operation table (README "Security" prints it).
 * An actor is a member's system (bearer token; it always acts for its member) or a
 * person by role. People act for their department only as clerk or signer;
 * auditors and supervisors read; admins administer. Every authenticated route
 * names its operation with `allow(op)`; nothing else decides by role.
 */
export type Actor = 'system' | Role;
export const ACTORS: readonly Actor[] = ['system', ...ROLES];

const EVERYONE = ACTORS;
const ACTS_FOR_DEPARTMENT: readonly Actor[] = ['system', 'clerk', 'signer'];
const READS_ALL: readonly Actor[] = ['auditor', 'supervisor'];

export const PERMISSIONS = {
  'session.use': { who: EVERYONE, what: 'see who you are (GET /auth/me), log out' },
  'registry.read': { who: EVERYONE, what: 'metaservices: members, their services, message schemas' },
  'log.read': { who: EVERYONE, what: 'log key, checkpoints, proofs; entries (members: their own messages and calls; auditors, supervisors: all)' },
  'exchange.push': { who: ACTS_FOR_DEPARTMENT, what: 'push a message for the department (signed with its key)' },
  'exchange.pull': { who: ACTS_FOR_DEPARTMENT, what: "pull the department's inbox (records the delivery)" },
  'exchange.ack': { who: ACTS_FOR_DEPARTMENT, what: "accept or reject a message (signed with the department's key)" },
  'exchange.read': { who: [...ACTS_FOR_DEPARTMENT, ...READS_ALL], what: "read a message of the department and its history" },
  'services.call': { who: ACTS_FOR_DEPARTMENT, what: 'call an agency service for the department' },
  'audit.read': { who: READS_ALL, what: 'traces and evidence bundles of any case' },
  'auditAccess.read': { who: ['admin'], what: "list who looked at what: auditors' trace queries, evidence exports and verifications" },
  'registry.admin': { who: ['admin'], what: 'administer the registry: members, webhooks, systems and tokens, agreements, people (each change in the signed log)' },
  'deadLetters.read': { who: ['admin'], what: 'list dead letters' },
  'deadLetters.replay': { who: ['admin'], what: 'replay dead letters' },
  'delivery.read': { who: ['admin'], what: 'the outbox per member: backlog, oldest pending, dead letters, last success and error' },
  'adapters.read': { who: ['admin'], what: "each member's adapter and endpoint, and its agency connection's circuit breaker" },
  'delivery.own': { who: ACTS_FOR_DEPARTMENT, what: "the department's own outbox: backlog, dead letters, whether paused, its newest delivery errors (deliveries to it only)" },
  'webhooks.test': { who: ['admin'], what: "send a signed test event to a member's webhook" },
  'documents.import': { who: ['clerk', 'signer', 'admin'], what: 'parse a plain-text official document (公文) into the document model; stores nothing' },
  'documents.draft': { who: ACTS_FOR_DEPARTMENT, what: 'draft an official document (起草) for the department, add its attachments' },
  'documents.handle': { who: ACTS_FOR_DEPARTMENT, what: "take the department's steps of a 公文: 审核, 登记, 用印, 分发; 签收, 登记, 拟办, 承办, 转办, 办结, 退回" },
  'documents.signOff': { who: ['signer'], what: "签发 the department's official documents; 批办 received ones (a person with the signer role of that department)" },
  'station.deliver': { who: ['system'], what: 'deliver an inbound 公文 package (the municipal exchange station\'s own system only: a member of kind station)' },
  'documents.read': { who: [...ACTS_FOR_DEPARTMENT, ...READS_ALL], what: "the department's 公文 inbox and outbox, documents, attachments and route traces (auditors, supervisors: all)" },
  'supervision.read': { who: READS_ALL, what: '电子监察 cards (黄牌 warnings, 红牌 overdue) on every case branch, with their notices' },
  'stats.read': { who: [...READS_ALL, 'admin'], what: '办件 statistics (办结率, 按时办结率, working days, overdue) of every department, as JSON or CSV, and the overdue list' },
  'cases.read': { who: [...ACTS_FOR_DEPARTMENT, ...READS_ALL], what: "办件 the department accepted or handles (a branch): deadlines and timeline (auditors, supervisors: all, applicant masked)" },
} as const satisfies Record<string, { who: readonly Actor[]; what: string }>;

export type Operation = keyof typeof PERMISSIONS;

export const actorOf = (p: Principal): Actor => (p.kind === 'system' ? 'system' : p.role);

export const permits = (p: Principal, op: Operation): boolean => (PERMISSIONS[op].who as readonly Actor[]).includes(actorOf(p));

/** Whether the principal reads every member's records (auditors, supervisors) or only its own member's. */
export const readsAllMembers = (p: Principal): boolean => READS_ALL.includes(actorOf(p));

/** Route middleware: the principal (set by authenticate) must be allowed `op`, else 403 GW_ERR_AUTH_FORBIDDEN. */
export function allow(op: Operation) {
  const guard = (req: Request, _res: Response, next: NextFunction) => {
    const p = req.ctx.principal;
    if (!p) throw new GatewayError('GW_ERR_AUTH_MISSING_TOKEN');
    if (!permits(p, op)) {
      const who = p.kind === 'system' ? 'a member system' : `role ${p.role}`;
      throw new GatewayError('GW_ERR_AUTH_FORBIDDEN', `${who} may not ${op}; allowed: ${PERMISSIONS[op].who.join(', ')}`);
    }
    next();
  };
  return Object.assign(guard, { operation: op });
}
