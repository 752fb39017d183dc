/**
 * A message's header — who sent what to whom about which case — as every API
 * answer, outbox job, dead letter, acknowledgement and log entry names it.
 * One row → object mapping, so the fields are spelled one way everywhere.
 */
export interface MessageHeaderRow {
  id: string;
  message_id: string;
  sender: string;
  receiver: string;
  type: string;
  case_id: string | null;
}

export interface MessageHeader {
  id: string;
  messageId: string;
  from: string;
  to: string;
  type: string;
  caseId: string | null;
}

/** The columns a MessageHeaderRow is read from, qualified by a table alias when given (`m.id, m.message_id, …`). */
export const headerColumns = (alias = ''): string =>
  ['id', 'message_id', 'sender', 'receiver', 'type', 'case_id'].map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

export const messageHeader = (r: MessageHeaderRow): MessageHeader => ({
  id: r.id,
  messageId: r.message_id,
  from: r.sender,
  to: r.receiver,
  type: r.type,
  caseId: r.case_id,
});
