import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import { newId } from '../ids';

/** An exchange agreement (X-Road access right, Domibus PMode): default deny. */
export interface Agreement {
  sender: string;
  receiver: string;
  messageType: string;
  purposes: string[];
}

interface AgreementRow {
  sender: string;
  receiver: string;
  message_type: string;
  purposes: string[];
}

const toAgreement = (r: AgreementRow): Agreement => ({
  sender: r.sender,
  receiver: r.receiver,
  messageType: r.message_type,
  purposes: r.purposes,
});

export async function upsertAgreement(db: Db, a: Agreement): Promise<void> {
  await db.query(
    `INSERT INTO agreements (id, sender, receiver, message_type, purposes) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (sender, receiver, message_type) DO UPDATE SET purposes = EXCLUDED.purposes`,
    [newId(), a.sender, a.receiver, a.messageType, a.purposes],
  );
}

async function listAgreements(db: Db, filter: { sender?: string; receiver?: string } = {}): Promise<Agreement[]> {
  const r = await db.query<AgreementRow>(
    `SELECT sender, receiver, message_type, purposes FROM agreements
     WHERE ($1::text IS NULL OR sender = $1) AND ($2::text IS NULL OR receiver = $2)
     ORDER BY sender, receiver, message_type`,
    [filter.sender ?? null, filter.receiver ?? null],
  );
  return r.rows.map(toAgreement);
}

/**
 * In-memory view of all agreements for the hot path, reloaded on change.
 * The check throws the catalogue error; absence of an agreement is a denial.
 */
export class AgreementTable {
  private byKey = new Map<string, Set<string>>();
  constructor(private readonly db: Db) {}

  async reload(): Promise<void> {
    const next = new Map<string, Set<string>>();
    for (const a of await listAgreements(this.db)) next.set(`${a.sender}\u0000${a.receiver}\u0000${a.messageType}`, new Set(a.purposes));
    this.byKey = next;
  }

  check(sender: string, receiver: string, messageType: string, purpose: string): void {
    const purposes = this.byKey.get(`${sender}\u0000${receiver}\u0000${messageType}`);
    if (!purposes) {
      throw new GatewayError('GW_ERR_EXCHANGE_NO_AGREEMENT', `no agreement lets ${sender} send ${messageType} to ${receiver}`);
    }
    if (!purposes.has(purpose)) {
      throw new GatewayError(
        'GW_ERR_EXCHANGE_PURPOSE_NOT_ALLOWED',
        `purpose "${purpose}" is not allowed for ${sender} → ${receiver} ${messageType}; allowed: ${[...purposes].join(', ')}`,
      );
    }
  }

  /** Message types a member may receive, with the senders and purposes allowed. */
  accepted(receiver: string): { messageType: string; sender: string; purposes: string[] }[] {
    const out: { messageType: string; sender: string; purposes: string[] }[] = [];
    for (const [key, purposes] of this.byKey) {
      const [sender, r, messageType] = key.split('\u0000');
      if (r === receiver) out.push({ messageType, sender, purposes: [...purposes] });
    }
    return out.sort((a, b) => a.messageType.localeCompare(b.messageType) || a.sender.localeCompare(b.sender));
  }
}
