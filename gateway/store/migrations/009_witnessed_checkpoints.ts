/**
 * Checkpoints as C2SP signed notes, and the witnesses' cosignatures on them.
 * `note` is the tlog-checkpoint text with the log's Ed25519 note signature (null for
 * checkpoints signed before this version); each witness's tlog-cosignature/v1 line on a
 * checkpoint is kept beside it (one per witness key and size, the newest answer).
 */
export const sql = `
ALTER TABLE checkpoints ADD COLUMN note text;

CREATE TABLE checkpoint_cosignatures (
  size         bigint NOT NULL REFERENCES checkpoints (size) ON DELETE CASCADE,
  witness      text NOT NULL,               -- the witness key's name (signed-note key name)
  key_id       text NOT NULL,               -- its 4-byte key ID, hex
  line         text NOT NULL,               -- the signature line as the witness answered it
  cosigned_at  timestamptz NOT NULL,        -- the cosignature's own timestamp
  PRIMARY KEY (size, witness, key_id)
);
CREATE INDEX checkpoint_cosignatures_witness ON checkpoint_cosignatures (witness, key_id, size DESC);
`;
