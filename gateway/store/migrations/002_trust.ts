/** Trust layer: department key algorithms, certificates, signed envelopes, the Merkle log and checkpoints. */
export const sql = `
ALTER TABLE members ADD COLUMN key_alg text NOT NULL DEFAULT 'sm2'
  CHECK (key_alg IN ('sm2','rsa','ecdsa-p256','ed25519'));

CREATE TABLE certificates (
  fingerprint text PRIMARY KEY,            -- sha256 of the DER, lowercase hex
  member      text REFERENCES members(code),
  role        text NOT NULL CHECK (role IN ('root','intermediate','log','department')),
  pem         text NOT NULL,
  serial      text NOT NULL,
  subject     text NOT NULL,
  not_before  timestamptz NOT NULL,
  not_after   timestamptz NOT NULL,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificates_member ON certificates (member) WHERE member IS NOT NULL;

ALTER TABLE messages ADD COLUMN envelope jsonb;
-- The gateway's batch signature over the push receipt; the receiver department's signed ack receipt.
ALTER TABLE messages ADD COLUMN receipt_signature jsonb;
ALTER TABLE messages ADD COLUMN ack_receipt jsonb;
-- The receipt is rebuilt from the message and its log entry (it carries the log index).
ALTER TABLE messages DROP COLUMN receipt;

-- The log's entries in their one total order. idx is dense (0, 1, 2, …): every
-- writer takes the 'log' sequence row lock, so idx order is commit order.
INSERT INTO sequences (name, value) VALUES ('log', 0);
CREATE TABLE log_entries (
  idx         bigint PRIMARY KEY,
  kind        text NOT NULL,
  message_id  uuid,
  case_id     text,
  entry       text NOT NULL,                -- the exact canonical JSON that was hashed
  leaf_hash   bytea NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX log_entries_message ON log_entries (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX log_entries_case ON log_entries (case_id) WHERE case_id IS NOT NULL;

-- Complete perfect subtrees: node (level, idx) covers leaves [idx·2^level, (idx+1)·2^level).
CREATE TABLE log_nodes (
  level  smallint NOT NULL,
  idx    bigint NOT NULL,
  hash   bytea NOT NULL,
  PRIMARY KEY (level, idx)
);

-- How far the tree is built (integrated) and its right edge; one row, locked by the integrator.
CREATE TABLE log_head (
  id        smallint PRIMARY KEY CHECK (id = 1),
  alg       text NOT NULL,
  size      bigint NOT NULL,
  frontier  jsonb NOT NULL                  -- hex hashes of the right-edge perfect subtrees, largest first
);

CREATE TABLE checkpoints (
  size         bigint PRIMARY KEY,
  alg          text NOT NULL,
  root         bytea NOT NULL,
  at           timestamptz NOT NULL,
  body         text NOT NULL,               -- canonical JSON that was signed
  sig_alg      text NOT NULL,
  signature    text NOT NULL,               -- base64
  key_fingerprint text NOT NULL
);
`;
