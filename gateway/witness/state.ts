import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair } from '../crypto/keys';
import { Signer } from '../crypto/sign';

/**
 * The witness's own files, in its directory (nothing shared with any gateway):
 *   witness.key.pem  its Ed25519 key (0600, made on first start, never leaves the directory)
 *   state.json       per log origin, the latest checkpoint it cosigned: size, root and the
 *                    note as it arrived (with the log's signature: evidence if the log
 *                    later shows something else)
 * The state file is replaced atomically (write a temporary file, fsync, rename, fsync the
 * directory), so a crash leaves the old state or the new one, never a torn one; the
 * service persists before it answers.
 */
export interface CosignedCheckpoint {
  size: number;
  /** base64 root hash. */
  root: string;
  note: string;
  /** POSIX time of the cosignature. */
  cosignedAt: number;
}

interface StateFile {
  format: 'xgw-witness-state/1';
  logs: Record<string, CosignedCheckpoint>;
}

export function witnessKeyFile(dir: string): string {
  return path.join(dir, 'witness.key.pem');
}

/** The witness's signing key, made on first use. */
export function ensureWitnessKey(dir: string): Signer {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = witnessKeyFile(dir);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, generateKeyPair('ed25519').privatePem, { mode: 0o600, flag: 'wx' });
    fs.linkSync(tmp, file); // fails if another process made one meanwhile: keep theirs
    fs.unlinkSync(tmp);
  }
  return Signer.fromPem(fs.readFileSync(file, 'utf8'), [], 'Ed25519');
}

export class WitnessState {
  private constructor(
    private readonly file: string,
    private logs: Record<string, CosignedCheckpoint>,
  ) {}

  static open(dir: string): WitnessState {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'state.json');
    if (!fs.existsSync(file)) return new WitnessState(file, {});
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
    if (parsed.format !== 'xgw-witness-state/1') throw new Error(`${file} is not an xgw witness state file`);
    return new WitnessState(file, parsed.logs);
  }

  latest(origin: string): CosignedCheckpoint | null {
    return this.logs[origin] ?? null;
  }

  /** Records the new latest checkpoint of `origin`, durably, before the caller answers. */
  save(origin: string, cp: CosignedCheckpoint): void {
    const next = { ...this.logs, [origin]: cp };
    const body = JSON.stringify({ format: 'xgw-witness-state/1', logs: next } satisfies StateFile, null, 2) + '\n';
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, body);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    const dirFd = fs.openSync(path.dirname(this.file), 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    this.logs = next;
  }
}
