import type { Signer } from './sign';
import { signBatchAsync, type BatchedSignature } from './batch-signature';

interface Waiting {
  text: string;
  resolve: (s: BatchedSignature) => void;
  reject: (e: unknown) => void;
}

/**
 * Batch signatures for texts that arrive one by one (e.g. service answers): texts
 * queued while a signature is being made share the next one. One signature per
 * batch (off the event loop), one inclusion proof per text.
 */
export class BatchSigningQueue {
  private queue: Waiting[] = [];
  private busy = false;

  constructor(
    private readonly signer: () => { signer: Signer; name: string; certificate: string },
    private readonly now: () => string,
    private readonly maxBatch = 256,
  ) {}

  sign(text: string): Promise<BatchedSignature> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      if (!this.busy) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const { signer, name, certificate } = this.signer();
          const sigs = await signBatchAsync(signer, name, certificate, batch.map((w) => w.text), this.now());
          batch.forEach((w, i) => w.resolve(sigs[i]));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
