/**
 * 公文 (official documents): the document (its schema JSON plus the columns lists
 * filter and sort on), one receipt row per addressee department (收文), the step
 * events (each with its log index), the 发文字号 serials per 机关代字 and year, and
 * attachments stored in the database in chunks (content-addressed, deduplicated).
 */
export const sql = `
CREATE TABLE documents (
  id             uuid PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  sender         text NOT NULL REFERENCES members(code),
  status         text NOT NULL CHECK (status IN ('drafted','reviewed','signed_off','registered','sealed','distributed')),
  urgency        text,
  urgency_rank   smallint NOT NULL,              -- 0 特提, 1 特急, 2 加急, 3 平急, 4 none: urgent ones sort first
  kind           text,
  title          text,
  title_search   text,                           -- simplified, half-width (opencc): full-text on either script
  agency_code    text,
  doc_year       integer,
  doc_serial     integer,
  doc_number     text,
  date_written   date,
  document       jsonb NOT NULL,                 -- the official-document schema's JSON
  addressees     jsonb NOT NULL,                 -- {main: [member codes], copy: [member codes]}
  seal           jsonb,
  draft_key      text,
  draft_digest   text NOT NULL,
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  UNIQUE (sender, draft_key),
  UNIQUE (agency_code, doc_year, doc_serial)
);
CREATE INDEX documents_outbox ON documents (sender, urgency_rank, seq);
CREATE INDEX documents_all ON documents (urgency_rank, seq);

CREATE TABLE document_receipts (
  id              uuid PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  document_id     uuid NOT NULL REFERENCES documents(id),
  recipient       text NOT NULL REFERENCES members(code),
  copy            boolean NOT NULL,              -- 抄送 (else 主送)
  status          text NOT NULL CHECK (status IN ('delivered','signed','recorded','proposed','approved','assigned','forwarded','completed','returned')),
  urgency_rank    smallint NOT NULL,
  assignee        text,
  deadline        date,
  forwarded_from  uuid REFERENCES document_receipts(id),
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  UNIQUE (document_id, recipient)
);
CREATE INDEX document_receipts_inbox ON document_receipts (recipient, urgency_rank, seq);

CREATE TABLE document_events (
  id              bigserial PRIMARY KEY,
  document_id     uuid NOT NULL REFERENCES documents(id),
  receipt_id      uuid REFERENCES document_receipts(id),
  step            text NOT NULL,
  at              timestamptz NOT NULL,
  actor           text NOT NULL,
  department      text NOT NULL,
  detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
  signed_text     text,                          -- what the department signed (seal, 回执, 回退)
  signature       jsonb,
  log_idx         bigint NOT NULL,
  request_key     text,
  request_digest  text,
  UNIQUE (document_id, department, request_key)
);
CREATE INDEX document_events_document ON document_events (document_id, id);

-- 发文字号: the next serial per 机关代字 and year, taken with UPDATE … RETURNING in the
-- 登记 step's transaction (the row lock is held to commit: no gaps, no duplicates).
CREATE TABLE document_serials (
  agency_code  text NOT NULL,
  year         integer NOT NULL,
  next         integer NOT NULL,
  PRIMARY KEY (agency_code, year)
);

-- Attachment bytes, content-addressed: a blob is written in chunks while it streams in
-- and named by its digests at the end; an identical blob already stored is used instead.
CREATE TABLE attachment_blobs (
  id          uuid PRIMARY KEY,
  sha256      text UNIQUE,                       -- NULL while the upload streams
  sm3         text,
  size        bigint NOT NULL DEFAULT 0,
  chunks      integer NOT NULL DEFAULT 0,
  complete    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL
);
CREATE TABLE attachment_chunks (
  blob_id  uuid NOT NULL REFERENCES attachment_blobs(id) ON DELETE CASCADE,
  n        integer NOT NULL,
  data     bytea NOT NULL,
  PRIMARY KEY (blob_id, n)
);
CREATE TABLE document_attachments (
  document_id  uuid NOT NULL REFERENCES documents(id),
  sha256       text NOT NULL REFERENCES attachment_blobs(sha256),
  name         text NOT NULL,
  media_type   text NOT NULL,
  added_by     text NOT NULL,
  added_at     timestamptz NOT NULL,
  PRIMARY KEY (document_id, sha256)
);
`;
