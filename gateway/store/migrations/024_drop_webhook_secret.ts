/**
 * The per-member webhook secret goes (#14): the gateway never used it. A receiver
 * authenticates a webhook request by its HTTP Message Signature (RFC 9421) made with the
 * gateway's log key (delivery/webhook-signer.ts; keys at GET /api/v1/log/keys), which is
 * the webhook contract; a second, shared secret would only be one more thing to leak.
 */
export const sql = `
ALTER TABLE members DROP COLUMN webhook_secret;
`;
