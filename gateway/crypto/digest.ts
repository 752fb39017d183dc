import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical';

export type DigestAlg = 'sha256' | 'sm3';

/** Lowercase hex digest of bytes or text. */
export const digestHex = (alg: DigestAlg, data: string | Buffer): string => createHash(alg).update(data).digest('hex');

/** Digest of a JSON value's canonical form (RFC 8785). */
export const digestJson = (alg: DigestAlg, value: unknown): string => digestHex(alg, canonicalJson(value));
