/**
 * Key and certificate lifecycle: a department certificate replaced by a rotation is
 * superseded (kept to verify what it signed, never used to sign again); the registry's
 * identity binds the database to the PKI directory made for it (gateway/trust/binding.ts):
 * its id (written to <pkiDir>/registry.json too) and the SHA-256 of its root CA's public key.
 */
export const sql = `
ALTER TABLE certificates ADD COLUMN superseded_at timestamptz;
CREATE TABLE registry_identity (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id         text NOT NULL,
  root_key   text NOT NULL,
  created_at timestamptz NOT NULL
);
`;
