import { randomBytes, createHash } from 'node:crypto';
import { v7 } from 'uuid';

/** UUIDv7: time-ordered, index-friendly ids for every row the gateway creates. */
export const newId = (): string => v7();

/** A bearer secret: prefix + 32 random bytes, base64url. */
export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** Tokens are high-entropy secrets: a plain SHA-256 is the right stored form (passwords use scrypt). */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
