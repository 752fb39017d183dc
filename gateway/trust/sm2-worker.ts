/**
 * The SM2 signing thread (see ./sm2-thread.ts): signs with keys the event loop sent it once,
 * by number. Runs the same code as an in-thread signature (crypto/sm2 sm2Sign), so the bytes
 * are the same kind of signature (random k) and the same checks apply.
 */
import { parentPort } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { sm2Sign, widenBaseWindow } from '../crypto/sm2';

export type Sm2ThreadRequest = { op: 'key'; keyId: number; key: KeyObject } | { op: 'sign'; id: number; keyId: number; data: Uint8Array };
export type Sm2ThreadAnswer = { id: number; signature: Uint8Array } | { id: number; error: string };

/** Signatures made before the wider [k]G table pays for its build (≈ 0.5 s once, then ≈ 30 % less per signature). */
const WIDEN_AFTER = 64;

if (parentPort) {
  const port = parentPort;
  const keys = new Map<number, KeyObject>();
  let signed = 0;
  port.on('message', (m: Sm2ThreadRequest) => {
    if (m.op === 'key') {
      keys.set(m.keyId, m.key);
      return;
    }
    try {
      const key = keys.get(m.keyId);
      if (!key) throw new Error(`no key ${m.keyId} in the SM2 signing thread`);
      const signature = sm2Sign(m.data, key);
      port.postMessage({ id: m.id, signature } satisfies Sm2ThreadAnswer);
      if (++signed === WIDEN_AFTER) widenBaseWindow();
    } catch (err) {
      port.postMessage({ id: m.id, error: (err as Error).message } satisfies Sm2ThreadAnswer);
    }
  });
}
