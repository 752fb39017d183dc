/**
 * Registry administration at run time: a member's adapter config, its webhook
 * (URL, active, secret) and whether it is active; agreements' validity period;
 * systems that can be retired; the registry version every change bumps (the
 * version poll of gateway processes that cannot LISTEN).
 */
export const sql = `
ALTER TABLE members ADD COLUMN adapter_config jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE members ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE members ADD COLUMN webhook_active boolean NOT NULL DEFAULT true;
ALTER TABLE members ADD COLUMN webhook_secret text;
ALTER TABLE agreements ADD COLUMN valid_from timestamptz;
ALTER TABLE agreements ADD COLUMN valid_to timestamptz;
ALTER TABLE agreements ADD CONSTRAINT agreements_validity CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to);
ALTER TABLE systems ADD COLUMN retired_at timestamptz;
INSERT INTO sequences (name, value) VALUES ('registry', 0);
`;
