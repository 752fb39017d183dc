import type { Db } from '../store/db';
import { GatewayError } from '../errors';
import { newId } from '../ids';
import { formatTime, systemClock, type Clock } from '../clock';

/** An exchange agreement (X-Road access right, Domibus PMode): default deny. */
export interface Agreement {
  sender: string;
  receiver: string;
  messageType: string;
  purposes: string[];
  /** Validity period (either end open when absent). */
  validFrom?: Date | null;
  validTo?: Date | null;
}

/** An agreements row as read (registry administration adds its id). */
export interface AgreementRow {
  sender: string;
  receiver: string;
  message_type: string;
  purposes: string[];
  valid_from: Date | null;
  valid_to: Date | null;
}

const toAgreement = (r: AgreementRow): Agreement => ({
  sender: r.sender,
  receiver: r.receiver,
  messageType: r.message_type,
  purposes: r.purposes,
  validFrom: r.valid_from,
  validTo: r.valid_to,
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
    `SELECT a.sender, a.receiver, a.message_type, a.purposes, a.valid_from, a.valid_to FROM agreements a
     JOIN members s ON s.code = a.sender AND s.active JOIN members r ON r.code = a.receiver AND r.active
     WHERE ($1::text IS NULL OR a.sender = $1) AND ($2::text IS NULL OR a.receiver = $2)
     ORDER BY a.sender, a.receiver, a.message_type`,
    [filter.sender ?? null, filter.receiver ?? null],
  );
  return r.rows.map(toAgreement);
}

interface Terms {
  purposes: Set<string>;
  from: Date | null;
  to: Date | null;
}

const inForce = (t: Terms, now: Date) => (!t.from || t.from <= now) && (!t.to || now < t.to);

/**
 * In-memory view of all agreements for the hot path, reloaded on change (registry/live.ts).
 * The check throws the catalogue error; absence of an agreement in force is a denial.
 */
export class AgreementTable {
  private byKey = new Map<string, Terms>();
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  async reload(): Promise<void> {
    const next = new Map<string, Terms>();
    for (const a of await listAgreements(this.db)) {
      next.set(`${a.sender}\u0000${a.receiver}\u0000${a.messageType}`, { purposes: new Set(a.purposes), from: a.validFrom ?? null, to: a.validTo ?? null });
    }
    this.byKey = next;
  }

  check(sender: string, receiver: string, messageType: string, purpose: string): void {
    const terms = this.byKey.get(`${sender}\u0000${receiver}\u0000${messageType}`);
    if (!terms) {
      throw new GatewayError('GW_ERR_EXCHANGE_NO_AGREEMENT', `no agreement lets ${sender} send ${messageType} to ${receiver}`);
    }
    if (!inForce(terms, this.clock.now())) {
      const period = `${terms.from ? formatTime(terms.from) : '…'} to ${terms.to ? formatTime(terms.to) : '…'}`;
      throw new GatewayError('GW_ERR_EXCHANGE_NO_AGREEMENT', `the agreement letting ${sender} send ${messageType} to ${receiver} is in force from ${period} only`);
    }
    const purposes = terms.purposes;
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
    const now = this.clock.now();
    for (const [key, terms] of this.byKey) {
      const [sender, r, messageType] = key.split('\u0000');
      if (r === receiver && inForce(terms, now)) out.push({ messageType, sender, purposes: [...terms.purposes] });
    }
    return out.sort((a, b) => a.messageType.localeCompare(b.messageType) || a.sender.localeCompare(b.sender));
  }
}
