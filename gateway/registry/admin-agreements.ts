import { GatewayError } from '../errors';
import { formatTime } from '../clock';
import { newId } from '../ids';
import { decodeKeyCursor, keyPage } from '../exchange/cursor';
import { changedFields, recordChange, type ChangeContext } from './changes';
import type { AgreementRow } from './agreements';

/** An exchange agreement as registry administration sees it (times RFC 3339; null = open end). */
export interface AgreementRecord {
  id: string;
  sender: string;
  receiver: string;
  /** A message type (push) or a service name (synchronous call). */
  messageType: string;
  purposes: string[];
  validFrom: string | null;
  validTo: string | null;
}

type Row = AgreementRow & { id: string };

const toRecord = (r: Row): AgreementRecord => ({
  id: r.id,
  sender: r.sender,
  receiver: r.receiver,
  messageType: r.message_type,
  purposes: r.purposes,
  validFrom: r.valid_from ? formatTime(r.valid_from) : null,
  validTo: r.valid_to ? formatTime(r.valid_to) : null,
});

const COLS = 'id::text AS id, sender, receiver, message_type, purposes, valid_from, valid_to';

export async function getAgreement(ctx: Pick<ChangeContext, 'db'>, id: string): Promise<AgreementRecord> {
  const r = /^[0-9a-f-]{36}$/i.test(id) ? await ctx.db.query<Row>(`SELECT ${COLS} FROM agreements WHERE id = $1::uuid`, [id]) : { rows: [] };
  if (!r.rows[0]) throw new GatewayError('GW_ERR_REGISTRY_NOT_FOUND', `no agreement with id "${id}"`);
  return toRecord(r.rows[0]);
}

/** The agreement for sender → receiver, type (its natural key), if any. */
export async function findAgreement(ctx: Pick<ChangeContext, 'db'>, sender: string, receiver: string, messageType: string): Promise<AgreementRecord | null> {
  const r = await ctx.db.query<Row>(`SELECT ${COLS} FROM agreements WHERE sender = $1 AND receiver = $2 AND message_type = $3`, [sender, receiver, messageType]);
  return r.rows[0] ? toRecord(r.rows[0]) : null;
}

export async function listAgreementRecords(
  ctx: Pick<ChangeContext, 'db'>,
  f: { sender?: string; receiver?: string; messageType?: string; after?: string; limit: number },
): Promise<{ items: AgreementRecord[]; next: string | null }> {
  const r = await ctx.db.query<Row>(
    `SELECT ${COLS} FROM agreements WHERE ($1::text IS NULL OR id::text > $1) AND ($2::text IS NULL OR sender = $2)
       AND ($3::text IS NULL OR receiver = $3) AND ($4::text IS NULL OR message_type = $4)
     ORDER BY id LIMIT $5`,
    [decodeKeyCursor(f.after), f.sender ?? null, f.receiver ?? null, f.messageType ?? null, f.limit + 1],
  );
  return keyPage(r.rows.map(toRecord), f.limit, (a) => a.id);
}

const ms = (t: string | null | undefined) => (t ? new Date(t).getTime() : null);

function checkPeriod(a: { validFrom?: string | null; validTo?: string | null }): void {
  const from = ms(a.validFrom);
  const to = ms(a.validTo);
  if (from !== null && to !== null && from >= to) {
    throw new GatewayError('GW_ERR_REGISTRY_INVALID', 'validFrom must be before validTo', { errors: [{ pointer: '/validTo', message: 'must be after validFrom' }] });
  }
}

async function checkMembers(ctx: ChangeContext, codes: string[]): Promise<void> {
  for (const code of codes) {
    const r = await ctx.db.query('SELECT 1 FROM members WHERE code = $1', [code]);
    if (!r.rows.length) throw new GatewayError('GW_ERR_REGISTRY_UNKNOWN_MEMBER', `no member with code "${code}"`);
  }
}

export type AgreementInput = Omit<AgreementRecord, 'id' | 'validFrom' | 'validTo'> & { validFrom?: string | null; validTo?: string | null };

/** Creates an agreement; 409 GW_ERR_REGISTRY_CONFLICT when one exists for the same sender, receiver and type. */
export async function createAgreement(ctx: ChangeContext, a: AgreementInput): Promise<AgreementRecord> {
  checkPeriod(a);
  await checkMembers(ctx, [a.sender, a.receiver]);
  const id = newId();
  const r = await ctx.db.query(
    `INSERT INTO agreements (id, sender, receiver, message_type, purposes, valid_from, valid_to) VALUES ($1,$2,$3,$4,$5,$6,$7)
     ON CONFLICT (sender, receiver, message_type) DO NOTHING`,
    [id, a.sender, a.receiver, a.messageType, [...new Set(a.purposes)], a.validFrom ?? null, a.validTo ?? null],
  );
  if (!r.rowCount) throw new GatewayError('GW_ERR_REGISTRY_CONFLICT', `an agreement already lets ${a.sender} send ${a.messageType} to ${a.receiver}; change it instead`);
  await recordChange(ctx, { object: 'agreement', action: 'created', key: id });
  return getAgreement(ctx, id);
}

export type AgreementPatch = Partial<Pick<AgreementRecord, 'purposes' | 'validFrom' | 'validTo'>>;

/** Changes purposes or validity; changes nothing when nothing differs. */
export async function updateAgreement(ctx: ChangeContext, id: string, patch: AgreementPatch): Promise<AgreementRecord> {
  const before = await getAgreement(ctx, id);
  const norm = { ...patch, ...(patch.purposes ? { purposes: [...new Set(patch.purposes)] } : {}) };
  // Times compare as instants, whatever offset they were written with.
  const fields = changedFields(
    { ...before, validFrom: ms(before.validFrom), validTo: ms(before.validTo) },
    { ...norm, validFrom: norm.validFrom === undefined ? undefined : ms(norm.validFrom), validTo: norm.validTo === undefined ? undefined : ms(norm.validTo) },
  );
  if (!fields.length) return before;
  const next = { ...before, ...norm };
  checkPeriod(next);
  await ctx.db.query('UPDATE agreements SET purposes = $2, valid_from = $3, valid_to = $4 WHERE id = $1::uuid', [id, next.purposes, next.validFrom, next.validTo]);
  await recordChange(ctx, { object: 'agreement', action: 'updated', key: id, fields });
  return getAgreement(ctx, id);
}

/** Deletes an agreement (messages exchanged under it keep their own records and log entries). */
export async function deleteAgreement(ctx: ChangeContext, id: string): Promise<void> {
  await getAgreement(ctx, id);
  await ctx.db.query('DELETE FROM agreements WHERE id = $1::uuid', [id]);
  await recordChange(ctx, { object: 'agreement', action: 'deleted', key: id });
}
