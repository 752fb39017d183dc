import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Hit } from './receiver';
import { root } from './cli';

/**
 * The README's webhook recipes (section "Webhooks: what a department receives…"), run
 * exactly as printed: its Node function `verifyWebhook` and its openssl script.
 */
export interface WebhookRequest {
  /** The URL the gateway called, as a receiver rebuilds it from Host and the request target. */
  url: string;
  headers: Record<string, string>;
  raw: string;
}
export interface LogKey {
  keyId: string;
  publicKey: string;
  httpSignatureAlg: string | null;
}

export function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- recipe: ${marker} -->`);
  if (at < 0) throw new Error(`README has no recipe ${marker}`);
  return /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
}

/** A receiver's view of a hit. */
export const requestOf = (hit: Hit): WebhookRequest => {
  const headers = Object.fromEntries(Object.entries(hit.headers).map(([k, v]) => [k, String(v)]));
  return { url: `http://${headers.host}${hit.path}`, headers, raw: hit.raw };
};

function inTmp<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-webhook-recipe-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The Node function, called twice with one nonce set (the second call is a replay): [first, second] outcomes (null: valid). */
export function runNodeRecipe(req: WebhookRequest, key: LogKey, now: number): (string | null)[] {
  return inTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'verify-webhook.js'), readmeBlock('verify-webhook.js'));
    fs.writeFileSync(path.join(dir, 'request.json'), JSON.stringify({ req, key, now }));
    const driver = `const { verifyWebhook } = require('./verify-webhook.js');
const { req, key, now } = JSON.parse(require('node:fs').readFileSync('request.json', 'utf8'));
const seen = new Set();
const r = { method: 'POST', url: req.url, headers: req.headers, body: Buffer.from(req.raw, 'utf8') };
console.log(JSON.stringify([verifyWebhook(r, key, seen, now), verifyWebhook(r, key, seen, now)]));`;
    const r = spawnSync(process.execPath, ['-e', driver], { cwd: dir, encoding: 'utf8' });
    if (r.stderr) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as (string | null)[];
  });
}

/** The openssl script. */
export function runOpensslRecipe(req: WebhookRequest, key: LogKey): { status: number | null; out: string } {
  return inTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'body.bin'), req.raw);
    fs.writeFileSync(path.join(dir, 'gateway.pub'), key.publicKey);
    const env = { ...process.env, URL: req.url, CONTENT_DIGEST: req.headers['content-digest'], SIGNATURE_INPUT: req.headers['signature-input'], SIGNATURE: req.headers.signature };
    const r = spawnSync('sh', ['-c', readmeBlock('verify-webhook.sh')], { cwd: dir, env, encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  });
}
