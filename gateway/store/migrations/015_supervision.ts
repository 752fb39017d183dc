/**
 * 电子监察 supervision cards (gateway/supervision/): 黄牌 (warning, N working days before a
 * branch's legal limit) and 红牌 (overdue, after it), one per case branch and kind. The
 * unique key (case_no, department, kind) is what makes the scheduled runs idempotent across
 * processes: every runner inserts with ON CONFLICT DO NOTHING, and only the one whose row
 * went in appends the log entry and sends the notice. `log_idx` is the card's entry in the
 * signed log; `notice_*` follow its `supervision-notice` message through the exchange.
 * No foreign key to cases: a card is a logged fact and outlives `xgw cases rebuild`.
 */
export const sql = `
CREATE TABLE supervision_cards (
  id                 uuid PRIMARY KEY,
  case_no            text NOT NULL,
  department         text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('warning', 'overdue')),
  due_on             date NOT NULL,
  working_days_left  integer NOT NULL,
  raised_at          timestamptz NOT NULL,
  raised_on          date NOT NULL,
  log_idx            bigint,
  notice_status      text NOT NULL DEFAULT 'pending' CHECK (notice_status IN ('pending', 'sent', 'failed')),
  notice_message_id  uuid,
  notice_error       text,
  CONSTRAINT supervision_cards_once UNIQUE (case_no, department, kind)
);
CREATE INDEX supervision_cards_raised ON supervision_cards (raised_on, id);
CREATE INDEX supervision_cards_department ON supervision_cards (department, raised_on);
CREATE INDEX supervision_cards_pending ON supervision_cards (notice_status) WHERE notice_status = 'pending';
`;
