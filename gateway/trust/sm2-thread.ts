import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { sm2Sign } from '../crypto/sm2';
import { projectRoot } from '../schemas/paths';
import type { Sm2ThreadAnswer, Sm2ThreadRequest } from './sm2-worker';

/** An idle signing thread ends after this long (the next signature starts another). */
const IDLE_MS = 5_000;

/** The compiled worker: beside this module in dist/, or (running from the TypeScript source, as the tests do) its compiled twin. */
function workerScript(): string | null {
  for (const file of [path.join(__dirname, 'sm2-worker.js'), path.join(projectRoot(), 'dist', 'gateway', 'trust', 'sm2-worker.js')]) {
    if (fs.existsSync(file)) return file;
  }
  return null;
}

interface Pending {
  resolve: (signature: Buffer) => void;
  reject: (err: Error) => void;
}

/**
 * SM2 signatures off the event loop. SM2 is JavaScript (crypto/sm2, noble's curve arithmetic): a
 * signature is ≈ 270 µs of event-loop time, two per group commit (the batch of envelope
 * headers, the batch of receipts). On one thread of its own the event loop pays only the
 * message passing (≈ 17 µs a round trip, measured), and the signing thread also builds the
 * wider [k]G table (crypto/sm2 widenBaseWindow). The key crosses once per thread (a KeyObject is
 * cloneable), then is named by number. The thread holds the process open only while a
 * signature is pending, and ends after IDLE_MS without work; if it cannot start or dies,
 * signatures are made on the event loop as before (same function, same bytes).
 */
class Sm2Thread {
  private worker: Worker | null = null;
  private unavailable = false;
  private keyIds = new WeakMap<KeyObject, number>();
  private nextKeyId = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private idle: NodeJS.Timeout | null = null;
  /** Signatures the signing thread made, and threads started (for tests and the curious). */
  readonly stats = { signed: 0, started: 0 };

  sign(data: Uint8Array, key: KeyObject): Promise<Buffer> {
    const worker = this.worker ?? this.start();
    if (!worker) return new Promise((resolve) => resolve(sm2Sign(data, key)));
    let keyId = this.keyIds.get(key);
    if (keyId === undefined) {
      keyId = ++this.nextKeyId;
      this.keyIds.set(key, keyId);
      worker.postMessage({ op: 'key', keyId, key } satisfies Sm2ThreadRequest);
    }
    const id = ++this.nextId;
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ op: 'sign', id, keyId, data } satisfies Sm2ThreadRequest);
    });
  }

  private start(): Worker | null {
    const script = this.unavailable ? null : workerScript();
    if (!script) {
      this.unavailable = true;
      return null;
    }
    let worker: Worker;
    try {
      worker = new Worker(script);
    } catch {
      this.unavailable = true;
      return null;
    }
    worker.unref();
    this.keyIds = new WeakMap(); // a new thread knows no keys yet
    worker.on('message', (m: Sm2ThreadAnswer) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else {
        this.stats.signed++;
        p.resolve(Buffer.from(m.signature.buffer, m.signature.byteOffset, m.signature.byteLength));
      }
      if (this.pending.size === 0) this.rest(worker);
    });
    const gone = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`the SM2 signing thread exited (${code})`)));
    this.worker = worker;
    this.stats.started++;
    return worker;
  }

  /** Nothing pending: let the process exit, and end the thread if nothing comes for IDLE_MS. */
  private rest(worker: Worker): void {
    worker.unref();
    if (this.idle) this.idle.refresh();
    else {
      this.idle = setTimeout(() => {
        this.idle = null;
        if (this.worker !== worker || this.pending.size > 0) return;
        this.worker = null;
        void worker.terminate();
      }, IDLE_MS);
      this.idle.unref();
    }
  }
}

const thread = new Sm2Thread();

/** sm2Sign (default ID) made on the SM2 signing thread. */
export function sm2SignOffThread(data: Uint8Array, key: KeyObject): Promise<Buffer> {
  return thread.sign(data, key);
}

/** How many signatures the signing thread made and how many threads were started in this process. */
export function sm2ThreadStats(): { signed: number; started: number } {
  return { ...thread.stats };
}
