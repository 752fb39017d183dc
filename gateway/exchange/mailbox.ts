import type { Db } from '../store/db';
import { formatTime } from '../clock';
import { GatewayError } from '../errors';
import type { Principal } from '../registry/principal';
import { readsAllMembers } from '../registry/permissions';
import { decodeCursor, encodeCursor } from './cursor';
import { headerColumns, messageHeader, type MessageHeaderRow } from './message-header';
import type { MessageStatus } from './types';

/**
 * A department's mailbox (收件箱 / 发件箱), read only: its received or sent messages,
 * newest first, with status, type and case filters. Unlike GET /inbox (the pull that
 * counts as delivery) listing changes nothing. Keyset pagination on seq, descending:
 * (receiver, seq) and (sender, seq) are indexed (migrations 001, 008); the time window
 * (from/to, on received_at, which rises with seq) only trims that scan. `direction`
 * (received | sent) is what a department system reconciles by; `box` (in | out) its older name.
 */
export interface MailboxQuery {
  direction?: 'received' | 'sent';
  /** The older name of direction: in = received, out = sent. */
  box?: 'in' | 'out';
  /** Whose mailbox: auditors and supervisors name it; department actors read their own. */
  member?: string;
  status?: MessageStatus;
  type?: string;
  caseId?: string;
  /** Accepted at or after / at or before (RFC 3339). */
  from?: string;
  to?: string;
  after?: string;
  limit: number;
}

const BOX = { in: 'received', out: 'sent' } as const;

/** The direction a query asks for: `direction`, or `box` by its older name (both: they must agree). */
function directionOf(q: MailboxQuery): 'received' | 'sent' {
  const byBox = q.box && BOX[q.box];
  if (q.direction && byBox && q.direction !== byBox) {
    throw new GatewayError('GW_ERR_REQUEST_INVALID', `box=${q.box} means direction=${byBox}, not ${q.direction}: give one of them`, { errors: [{ pointer: '/box', message: 'contradicts direction' }] });
  }
  return q.direction ?? byBox ?? 'received';
}

interface MailboxRow extends MessageHeaderRow {
  seq: number;
  purpose: string;
  status: MessageStatus;
  digest_alg: string;
  digest: string;
  received_at: Date;
  updated_at: Date;
}

export async function listMailbox(db: Db, principal: Principal, q: MailboxQuery) {
  let member = principal.member;
  if (readsAllMembers(principal)) {
    if (!q.member) throw new GatewayError('GW_ERR_REQUEST_INVALID', 'member: auditors and supervisors name the member whose mailbox to list', { errors: [{ pointer: '/member', message: 'required for your role' }] });
    member = q.member;
  } else if (q.member !== undefined && q.member !== principal.member) {
    throw new GatewayError('GW_ERR_AUTH_FORBIDDEN', `you read the mailbox of ${principal.member} only`);
  }
  const before = decodeCursor(q.after);
  const direction = directionOf(q);
  const side = direction === 'received' ? 'receiver' : 'sender';
  const r = await db.query<MailboxRow>(
    `SELECT ${headerColumns()}, seq, purpose, status, digest_alg, digest, received_at, updated_at FROM messages
     WHERE ${side} = $1 AND ($2::bigint = 0 OR seq < $2) AND ($3::text IS NULL OR status = $3)
       AND ($4::text IS NULL OR type = $4) AND ($5::text IS NULL OR case_id = $5)
       AND ($7::timestamptz IS NULL OR received_at >= $7) AND ($8::timestamptz IS NULL OR received_at <= $8)
     ORDER BY seq DESC LIMIT $6`,
    [member, before, q.status ?? null, q.type ?? null, q.caseId ?? null, q.limit, q.from ?? null, q.to ?? null],
  );
  const items = r.rows.map((m) => ({
    ...messageHeader(m),
    purpose: m.purpose,
    status: m.status,
    digest: { alg: m.digest_alg, value: m.digest },
    receivedAt: formatTime(m.received_at),
    updatedAt: formatTime(m.updated_at),
  }));
  const last = r.rows[r.rows.length - 1];
  return { member, direction, box: direction === 'received' ? 'in' : 'out', items, next: r.rows.length === q.limit && last ? encodeCursor(Number(last.seq)) : null };
}
