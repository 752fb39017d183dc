/**
 * The 签收 回执 / 退回 回退 of an inbound exchange-station 收文 going back to its external
 * sender through the station (documents/station-receipts.ts): a third direction of
 * station_packages, 'answer' (package_id: the answer's own 回执标识 = the outbox message's
 * messageId; receipt_id: the receipt signed for or returned; peer: the original sender).
 * 'in' rows also keep the SHA-256 of the package bytes as received, which the answer names
 * (包摘要) as the station's own 回执 does.
 */
export const sql = `
ALTER TABLE station_packages DROP CONSTRAINT station_packages_direction_check;
ALTER TABLE station_packages ADD CONSTRAINT station_packages_direction_check CHECK (direction IN ('out','in','answer'));
ALTER TABLE station_packages ADD COLUMN received_sha256 text;
`;
