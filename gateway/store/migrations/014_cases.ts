/**
 * 办件 supervision: cases, their branches (one per receiving department, 并联审批) and
 * their timeline, projected from the signed log by gateway/cases/projector.ts. The
 * 'cases' sequence row is the projection's cursor (the next log index to apply) and its
 * lock: one projector at a time, across processes. Every row here can be rebuilt from
 * the log (`xgw cases rebuild`).
 */
export const sql = `
CREATE TABLE cases (
  case_no               text PRIMARY KEY,
  matter_code           text NOT NULL,
  matter_name           text NOT NULL,
  applicant             jsonb NOT NULL,
  accepting_department  text NOT NULL,
  hall                  text NOT NULL,
  legal_limit_days      integer NOT NULL,
  accepted_at           timestamptz NOT NULL,
  accepted_on           date NOT NULL,
  status                text NOT NULL,
  due_on                date,
  completed_on          date,
  first_idx             bigint NOT NULL,
  last_idx              bigint NOT NULL
);
CREATE INDEX cases_status ON cases (status, case_no);
CREATE INDEX cases_matter ON cases (matter_code, case_no);
CREATE INDEX cases_due ON cases (due_on, case_no);
CREATE INDEX cases_accepted ON cases (accepted_on, case_no);

CREATE TABLE case_branches (
  case_no       text NOT NULL REFERENCES cases (case_no) ON DELETE CASCADE,
  department    text NOT NULL,
  status        text NOT NULL,
  required      boolean NOT NULL,
  suspensions   jsonb NOT NULL,
  due_on        date,
  completed_on  date,
  opened_idx    bigint NOT NULL,
  PRIMARY KEY (case_no, department)
);
CREATE INDEX case_branches_department ON case_branches (department, case_no);

CREATE TABLE case_events (
  case_no          text NOT NULL,
  idx              bigint NOT NULL,
  message_id       uuid NOT NULL,
  event            text NOT NULL,
  department       text NOT NULL,
  department_name  text NOT NULL,
  officer          text,
  occurred_at      timestamptz NOT NULL,
  applied          boolean NOT NULL,
  note             text,
  PRIMARY KEY (case_no, idx)
);

INSERT INTO sequences (name, value) VALUES ('cases', 0);
`;
