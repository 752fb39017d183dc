import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { demoMembers } from '../../gateway/registry/demo';
import { ensureLogNoteKey } from '../../certs/pki';
import { systemClock } from '../../gateway/clock';
import { logNoteVkey, parseVkey } from '../../gateway/log/note';
import { ensureWitnessKey, WitnessState } from '../../gateway/witness/state';
import { startWitness, type WitnessServer } from '../../gateway/witness/service';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import { demoCase, loginAs } from '../audit/scenario';
import { root } from '../support/cli';

/**
 * The README's "Checking a bundle by hand" recipe, run exactly as printed: its script and
 * its openssl loop, on a bundle of a gateway whose keys are ECDSA P-256 (log, hall) and
 * Ed25519 (housing), with a witness's cosignature; then on altered copies, which fail; and
 * on a bundle of a gateway whose every key is SM2 (the loop's SM2 line, with
 * -sigopt distid:1234567812345678, the GM/T 0009 default ID).
 */
const ORIGIN = 'recipe.example/xgw-log';

function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- recipe: ${marker} -->`);
  expect(at).toBeGreaterThan(0);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at));
  return m![1]!;
}

let t: TestGateway;
let witness: WitnessServer;
let dirs: string[] = [];
let bundle: EvidenceBundle;

const tmp = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  const pkiDir = tmp('xgw-recipe-pki-');
  const witnessDir = tmp('xgw-recipe-witness-');
  const logVkey = logNoteVkey(ORIGIN, ensureLogNoteKey(pkiDir).signer);
  witness = await startWitness(
    { name: 'recipe.example/witness', signer: ensureWitnessKey(witnessDir), state: WitnessState.open(witnessDir), logs: [{ origin: ORIGIN, keys: [parseVkey(logVkey)], hashAlg: 'sha256' }], clock: systemClock },
    0,
  );
  const members = demoMembers.map((m) => (m.code === 'hall' ? { ...m, keyAlg: 'ecdsa-p256' as const } : m.code === 'housing' ? { ...m, keyAlg: 'ed25519' as const } : m));
  t = await startTestGateway({ members, config: { trust: { pkiDir, logKeyAlg: 'ecdsa-p256', logOrigin: ORIGIN, witnesses: [{ url: witness.url, vkey: witness.vkey }] } } });
  await demoCase(t, 'JZ-RECIPE-0001');
  const r = await t.call('GET', '/api/v1/audit/evidence?caseId=JZ-RECIPE-0001', { token: await loginAs(t, 'auditor') });
  expect(r.status).toBe(200);
  bundle = r.body;
});
afterAll(async () => {
  await t?.close();
  await witness?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Runs the README's two blocks in a fresh directory on `b`. */
function runRecipe(b: unknown, witnessVkey: string | null = witness.vkey): { status: number | null; out: string } {
  const dir = tmp('xgw-recipe-run-');
  fs.writeFileSync(path.join(dir, 'bundle-check.js'), readmeBlock('bundle-check.js'));
  fs.writeFileSync(path.join(dir, 'evidence.json'), JSON.stringify(b, null, 2));
  const r = spawnSync('sh', ['-c', readmeBlock('check.sh')], { cwd: dir, env: { ...process.env, WITNESS: witnessVkey ?? '' }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("README: checking an evidence bundle with openssl and a short script", () => {
  test('the recipe verifies every hash, proof, digest and signature of a witnessed bundle', () => {
    expect(bundle.format).toBe('xgw-evidence/2');
    expect(bundle.verification!.zh.join('')).toContain('distid:1234567812345678');
    expect(bundle.verification!.en.length).toBe(bundle.verification!.zh.length);
    const { status, out } = runRecipe(bundle);
    expect(out).not.toMatch(/FAIL/);
    expect(status).toBe(0);
    // checkpoint (ECDSA), per message the sender's batch signature, the gateway's receipt and the receiver's ack (ECDSA or Ed25519), the witness (Ed25519)
    const sigs = out.split('\n').filter((l) => / signature$/.test(l));
    expect(sigs).toEqual(expect.arrayContaining(['ok   work/checkpoint: ECDSA-P256-SHA256 signature', 'ok   work/witness: Ed25519 signature']));
    expect(sigs).toHaveLength(2 + 3 * bundle.messages.length); // + per message: sender, receipt (log key), ack
    expect(out).toMatch(/ok {3}witness recipe\.example\/witness: a cosignature line/);
    expect(out.match(/^ok {3}entry #/gm)).toHaveLength(bundle.entries.length);
  });

  test('an altered entry, payload or signature makes it fail', () => {
    const entry = structuredClone(bundle);
    entry.entries[0]!.entry = entry.entries[0]!.entry.replace('"message.received"', '"message.delivered"');
    expect(runRecipe(entry)).toMatchObject({ status: 1, out: expect.stringMatching(/FAIL entry #/) });
    const payload = structuredClone(bundle);
    payload.messages[0]!.payloadCanonical = payload.messages[0]!.payloadCanonical!.replace('JZ-RECIPE-0001', 'JZ-RECIPE-0002');
    expect(runRecipe(payload)).toMatchObject({ status: 1, out: expect.stringMatching(/FAIL message .*: payload digest/) });
    const sig = structuredClone(bundle);
    const value = Buffer.from(sig.log.checkpoint.signature.value, 'base64');
    value[value.length - 1] ^= 1;
    sig.log.checkpoint.signature.value = value.toString('base64');
    expect(runRecipe(sig)).toMatchObject({ status: 1, out: expect.stringMatching(/FAIL work\/checkpoint: ECDSA-P256-SHA256 signature/) });
    const cosig = structuredClone(bundle);
    cosig.log.checkpointNote = cosig.log.checkpointNote!.replace(/\n(\d+)\n/, (_m, n: string) => `\n${Number(n) + 1}\n`);
    expect(runRecipe(cosig)).toMatchObject({ status: 1, out: expect.stringMatching(/FAIL checkpoint note: same origin, size and root/) });
  });
});

describe('README: the same recipe on a gateway whose keys are all SM2 (GM/T 0009 default ID)', () => {
  let sm2: TestGateway;
  let sm2Bundle: EvidenceBundle;
  beforeAll(async () => {
    const members = demoMembers.map((m) => ({ ...m, keyAlg: 'sm2' as const }));
    sm2 = await startTestGateway({ members, config: { trust: { pkiDir: tmp('xgw-recipe-sm2-pki-'), logKeyAlg: 'sm2', logOrigin: 'recipe.example/sm2-log' } } });
    await demoCase(sm2, 'JZ-RECIPE-SM2-1');
    const r = await sm2.call('GET', '/api/v1/audit/evidence?caseId=JZ-RECIPE-SM2-1', { token: await loginAs(sm2, 'auditor') });
    expect(r.status).toBe(200);
    sm2Bundle = r.body;
  });
  afterAll(async () => {
    await sm2?.close();
  });

  test('openssl checks every SM2 signature with distid 1234567812345678; an altered one fails', () => {
    const { status, out } = runRecipe(sm2Bundle, null);
    expect(out).not.toMatch(/FAIL/);
    expect(status).toBe(0);
    const sigs = out.split('\n').filter((l) => / signature$/.test(l));
    expect(sigs).toContain('ok   work/checkpoint: SM2-SM3 signature');
    expect(sigs).toHaveLength(1 + 3 * sm2Bundle.messages.length);
    expect(sigs.every((l) => l.endsWith('SM2-SM3 signature'))).toBe(true);
    const sig = structuredClone(sm2Bundle);
    const value = Buffer.from(sig.log.checkpoint.signature.value, 'base64');
    value[value.length - 1] ^= 1;
    sig.log.checkpoint.signature.value = value.toString('base64');
    expect(runRecipe(sig, null)).toMatchObject({ status: 1, out: expect.stringMatching(/FAIL work\/checkpoint: SM2-SM3 signature/) });
  });
});
