/** Conversion provenance: what one converted message says about its conversion (signed into the log). */
import { hash } from 'node:crypto';
import type { NativeForm, Provenance } from '../types';

/** The digest algorithms of the signed log: SM3 with SM2 signatures, SHA-256 otherwise. */
type DigestAlg = 'sha256' | 'sm3';

/** Lowercase hex digest of a text's UTF-8 bytes. */
const digestHex = (alg: DigestAlg, text: string): string => hash(alg, text, 'hex');

interface ProvenanceMeta {
  adapter: string;
  adapterVersion: string;
  mappingVersion: string;
  /** Defaults to the NativeForm's operation. */
  operation?: string;
}

/**
 * Digests of the original (its canonical JSON text, gateway/crypto/canonical.ts) and of the
 * converted text (UTF-8, as NativeForm holds it; a GBK transport encodes it afterwards),
 * with the adapter and mapping that converted it.
 */
export function provenance(meta: ProvenanceMeta, canonicalOriginalText: string, native: NativeForm, alg: DigestAlg): Provenance {
  if (alg !== 'sm3' && alg !== 'sha256') throw new Error(`provenance: unknown digest algorithm ${String(alg)}`);
  for (const k of ['adapter', 'adapterVersion', 'mappingVersion'] as const) {
    if (typeof meta[k] !== 'string' || meta[k] === '') throw new Error(`provenance: ${k} must be a non-empty string`);
  }
  const operation = meta.operation ?? native.operation;
  if (operation !== native.operation) throw new Error(`provenance: operation ${operation} differs from the converted form's ${native.operation}`);
  return {
    adapter: meta.adapter,
    adapterVersion: meta.adapterVersion,
    mappingVersion: meta.mappingVersion,
    operation,
    original: { alg, value: digestHex(alg, canonicalOriginalText) },
    converted: { alg, value: digestHex(alg, native.text), mediaType: native.mediaType },
  };
}
