import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { canonicalJson } from '../crypto/canonical';
import { digestHex } from '../crypto/digest';
import { GatewayError } from '../errors';

/** What leaves the database for a message: its payload and the adapter's native form (provenance). */
export interface ArchivedBody {
  payload: unknown;
  conversion: unknown;
}

/** What leaves the database for a service call: the JSON request and answer, the SOAP texts. */
export interface ArchivedCall {
  request: unknown;
  response: unknown;
  nativeRequest: string | null;
  nativeResponse: string | null;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Message bodies moved out of the database by retention, as content-addressed files:
 * `<dir>/<ab>/<sha256>.json.gz`, the gzip of the body's RFC 8785 canonical JSON, named by
 * the SHA-256 of that text. Written once (temporary file, fsync, rename), so a crash
 * never leaves half a file under a real name; equal bodies are stored once. Every read
 * checks the name against the content: an altered or truncated file is refused.
 */
export class BodyArchive {
  constructor(readonly dir: string) {}

  private fileOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), `${sha256}.json.gz`);
  }

  /** Stores the body; returns its SHA-256 (the name to keep). */
  put(body: ArchivedBody | ArchivedCall): string {
    const text = canonicalJson(body);
    const sha256 = digestHex('sha256', text);
    const file = this.fileOf(sha256);
    if (fs.existsSync(file)) return sha256;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, gzipSync(text));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return sha256;
  }

  /** The body stored under this SHA-256, checked against it (a message's body unless the caller says otherwise). */
  get<T extends ArchivedBody | ArchivedCall = ArchivedBody>(sha256: string): T {
    if (!SHA256.test(sha256)) throw unreadable(sha256, 'not a SHA-256 name');
    const file = this.fileOf(sha256);
    let text: string;
    try {
      text = gunzipSync(fs.readFileSync(file)).toString('utf8');
    } catch (err) {
      throw unreadable(sha256, `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (digestHex('sha256', text) !== sha256) throw unreadable(sha256, `${file} does not hash to its name`);
    return JSON.parse(text) as T;
  }
}

const unreadable = (sha256: string, why: string) =>
  new GatewayError('GW_ERR_RETENTION_ARCHIVE_UNREADABLE', `archived body ${sha256.slice(0, 16)}… cannot be read: ${why}`);
