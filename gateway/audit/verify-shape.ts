import { EVIDENCE_FORMATS } from './bundle';
import { isLogHashAlg } from '../merkle/hash';

/**
 * Structural checks of an evidence bundle read from a file (pure). The verifier
 * runs these first so that the cryptographic checks never meet a value of the
 * wrong type; each problem names the JSON path at fault.
 */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
const isHex = (v: unknown, len?: number): boolean => isStr(v) && /^[0-9a-f]*$/.test(v) && (len === undefined || v.length === len);
export const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function signatureProblems(s: unknown, at: string, fields = ['role', 'signer', 'alg', 'certificate', 'value']): string[] {
  if (!isObj(s)) return [`${at} is not an object`];
  const p: string[] = [];
  for (const k of fields) if (!isStr(s[k])) p.push(`${at}.${k} is not a string`);
  if (s.manifest === undefined) return p; // a plain signature, made over the text itself
  if (!isStr(s.manifest)) p.push(`${at}.manifest is not a string`);
  if (!isIndex(s.index)) p.push(`${at}.index is not a whole number`);
  if (!Array.isArray(s.proof) || !s.proof.every((h) => isHex(h, 64))) p.push(`${at}.proof is not a list of 64-hex hashes`);
  return p;
}

/** The parts every bundle kind shares (log, entries, certificates, anchors, revocations): their problems with the JSON path. */
export function logShapeProblems(b: Record<string, unknown>): string[] {
  const p: string[] = [];
  const log = b.log;
  if (!isObj(log) || !isLogHashAlg(log.hashAlg)) p.push('log.hashAlg must be "sha256" or "sm3"');
  const cp = isObj(log) ? log.checkpoint : undefined;
  if (!isObj(cp) || !isStr(cp.body) || !isObj(cp.signature) || !isStr(cp.signature.alg) || !isStr(cp.signature.certificate) || !isStr(cp.signature.value)) {
    p.push('log.checkpoint must be {body, signature: {alg, certificate, value}}');
  }
  if (isObj(log)) for (const k of ['origin', 'noteKey', 'checkpointNote']) if (log[k] !== undefined && !isStr(log[k])) p.push(`log.${k} is not a string`);
  if (!Array.isArray(b.entries)) p.push('entries is not a list');
  else
    b.entries.forEach((e: unknown, i) => {
      if (!isObj(e) || !isIndex(e.index) || !isStr(e.entry) || !isHex(e.leafHash, 64) || !Array.isArray(e.inclusionProof) || !e.inclusionProof.every((h) => isHex(h, 64))) {
        p.push(`entries[${i}] must be {index, entry (text), leafHash (64 hex), inclusionProof: [64 hex]}`);
      }
    });
  if (!isObj(b.certificates) || !Object.values(b.certificates).every(isStr)) p.push('certificates must map fingerprints to PEM texts');
  if (!Array.isArray(b.trustAnchors) || !b.trustAnchors.every(isStr)) p.push('trustAnchors must be a list of PEM texts');
  if (b.revocations !== undefined && (!isObj(b.revocations) || !Object.values(b.revocations).every((v) => isStr(v) && !Number.isNaN(new Date(v).getTime())))) {
    p.push('revocations must map fingerprints to RFC 3339 times');
  }
  return p;
}

/** Problems that make (part of) the bundle unreadable, with the JSON path; empty when the shape is right. */
export function bundleShapeProblems(input: unknown): string[] {
  if (!isObj(input)) return ['the file is not a JSON object'];
  const b = input;
  const p: string[] = [];
  if (!(EVIDENCE_FORMATS as readonly unknown[]).includes(b.format)) p.push(`format is ${JSON.stringify(b.format)}, expected one of ${EVIDENCE_FORMATS.map((f) => `"${f}"`).join(', ')}`);
  if (!isStr(b.caseId)) p.push('caseId is not a string');
  p.push(...logShapeProblems(b));
  if (!Array.isArray(b.messages)) p.push('messages is not a list');
  else
    b.messages.forEach((m: unknown, i) => {
      const at = `messages[${i}]`;
      if (!isObj(m) || !isStr(m.id)) return void p.push(`${at}.id is missing`);
      if (!('payload' in m)) p.push(`${at}.payload is missing`);
      if (m.payloadCanonical !== undefined && !isStr(m.payloadCanonical)) p.push(`${at}.payloadCanonical is not a string`);
      if (m.signedTexts !== undefined && !(isObj(m.signedTexts) && Object.values(m.signedTexts).every(isStr) && isStr(m.signedTexts.header) && isStr(m.signedTexts.envelope))) {
        p.push(`${at}.signedTexts must map names to texts, with header and envelope`);
      }
      const env = m.envelope;
      if (!isObj(env) || !isObj(env.header) || !Array.isArray(env.signatures)) return void p.push(`${at}.envelope must be {header, signatures}`);
      const h = env.header;
      for (const k of ['messageId', 'sender', 'receiver', 'type', 'purpose']) if (!isStr(h[k])) p.push(`${at}.envelope.header.${k} is not a string`);
      if (!isStr(h.time) || Number.isNaN(new Date(h.time).getTime())) p.push(`${at}.envelope.header.time is not an RFC 3339 time`);
      if (!isObj(h.payloadDigest) || !isStr(h.payloadDigest.alg) || !isStr(h.payloadDigest.value)) p.push(`${at}.envelope.header.payloadDigest is not {alg, value}`);
      env.signatures.forEach((s: unknown, k) => p.push(...signatureProblems(s, `${at}.envelope.signatures[${k}]`)));
      if (m.receipt !== undefined) {
        const r = m.receipt;
        if (!isObj(r) || !isStr(r.id) || !isStr(r.messageId) || !isObj(r.digest) || !isObj(r.log) || !isIndex(r.log.index) || !isHex(r.log.leafHash, 64)) p.push(`${at}.receipt must be {id, messageId, digest, log: {index, leafHash}, signature}`);
        else p.push(...signatureProblems(r.signature, `${at}.receipt.signature`, ['signer', 'alg', 'certificate', 'value']));
      }
      if (m.ackReceipt !== undefined) p.push(...(isObj(m.ackReceipt) ? signatureProblems(m.ackReceipt.signature, `${at}.ackReceipt.signature`, ['signer', 'alg', 'certificate', 'value']) : [`${at}.ackReceipt is not an object`]));
    });
  return p;
}

