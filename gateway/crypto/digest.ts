import { hash } from 'node:crypto';

export type DigestAlg = 'sha256' | 'sm3';

/** Lowercase hex digest of bytes or text (one-shot: no Hash object per call). */
export const digestHex = (alg: DigestAlg, data: string | Buffer): string => hash(alg, data, 'hex');

