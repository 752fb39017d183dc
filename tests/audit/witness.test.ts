import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { seedPkiDir, testTemplate } from '../support/template';
import { demoMembers } from '../../gateway/registry/demo';
import { ensureLogNoteKey } from '../../certs/pki';
import { systemClock } from '../../gateway/clock';
import { frontierNodes } from '../../gateway/merkle/tree';
import { logNoteVkey, parseCheckpointText, parseNote, parseVkey, verifyNote } from '../../gateway/log/note';
import { ensureWitnessKey, WitnessState } from '../../gateway/witness/state';
import { startWitness, witnessVkey, type WitnessServer } from '../../gateway/witness/service';
import { verifyBundle } from '../../gateway/audit/verify-bundle';
import type { EvidenceBundle } from '../../gateway/audit/bundle';
import type { Store } from '../../gateway/store/db';
import { demoCase, loginAs } from './scenario';

/**
 * Witnessing end to end: a gateway sends every checkpoint to an `xgw witness` service (its
 * own key and state directory), publishes the cosigned checkpoint, and bundles carry it.
 * Then the log is rewritten from an old size (a split view: the operator shows auditors a
 * history other than the one departments saw): the witness refuses to cosign the forked
 * checkpoint, and a bundle from the forked log fails `--witness`.
 */
const ORIGIN = 'jiangzhou.example/xgw-log';
const WITNESS = 'audit.jiangzhou.example/witness';

let t: TestGateway;
let pkiDir: string;
let witnessDir: string;
let witness: WitnessServer;
let logVkey: string;
let auditor: string;

async function openWitness(): Promise<WitnessServer> {
  return startWitness(
    { name: WITNESS, signer: ensureWitnessKey(witnessDir), state: WitnessState.open(witnessDir), logs: [{ origin: ORIGIN, keys: [parseVkey(logVkey)], hashAlg: 'sha256' }], clock: systemClock },
    0,
  );
}

beforeAll(async () => {
  pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-witnessed-pki-'));
  witnessDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-witness-'));
  const tpl = testTemplate();
  if (tpl) seedPkiDir(tpl, pkiDir, demoMembers);
  // The witness knows the log's note key before the log's first checkpoint.
  logVkey = logNoteVkey(ORIGIN, ensureLogNoteKey(pkiDir).signer);
  witness = await openWitness();
  t = await startTestGateway({ config: { trust: { pkiDir, logOrigin: ORIGIN, witnesses: [{ url: witness.url, vkey: witness.vkey }] } } });
  auditor = await loginAs(t, 'auditor');
});
afterAll(async () => {
  await t?.close();
  await witness?.close();
  for (const d of [pkiDir, witnessDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

/** Integrates and signs a checkpoint now, and waits until the witnesses have answered. */
async function checkpointNow(): Promise<number> {
  const cp = await t.gw.deps.integrator.runOnce(true);
  await t.gw.deps.witnessing.settled();
  return cp!.size;
}

const publishedNote = async () => {
  const r = await fetch(`${t.url}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${auditor}`, accept: 'text/plain' } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  return r.text();
};

const witnessState = () => JSON.parse(fs.readFileSync(path.join(witnessDir, 'state.json'), 'utf8')).logs[ORIGIN] as { size: number; root: string };

const evidence = async (caseId: string): Promise<EvidenceBundle> => {
  const r = await t.call('GET', `/api/v1/audit/evidence?caseId=${caseId}`, { token: auditor });
  expect(r.status).toBe(200);
  return r.body;
};

/**
 * Rewrites the stored log from `size` on (what a dishonest operator with database access
 * could do): entries, tree nodes and checkpoints past it are dropped, and the head is set
 * back to the tree of `size` leaves, so new entries get the dropped indices.
 */
async function forkLog(store: Store, size: number): Promise<void> {
  const edge = frontierNodes(size);
  await store.tx(async (db) => {
    const r = await db.query<{ level: number; idx: string | number; hash: Uint8Array }>('SELECT level, idx, hash FROM log_nodes WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))', [
      edge.map((n) => n.level),
      edge.map((n) => n.index),
    ]);
    const hashes = edge.map((n) => Buffer.from(r.rows.find((x) => Number(x.level) === n.level && Number(x.idx) === n.index)!.hash).toString('hex'));
    await db.query('DELETE FROM checkpoints WHERE size > $1', [size]);
    await db.query('DELETE FROM log_entries WHERE idx >= $1', [size]);
    await db.query('DELETE FROM log_nodes WHERE ((idx + 1) << level) > $1', [size]);
    await db.query('UPDATE log_head SET size = $1, frontier = $2::jsonb WHERE id = 1', [size, JSON.stringify(hashes)]);
    await db.query(`UPDATE sequences SET value = $1 WHERE name = 'log'`, [size]);
  });
}

describe('witnessed checkpoints (c2sp.org/tlog-witness)', () => {
  let firstSize: number;
  let honestSize: number;
  let honestNote: string;

  test('every new checkpoint is cosigned by the witness and published as a signed note with its cosignature', async () => {
    await demoCase(t, 'JZ-WIT-0001');
    firstSize = await checkpointNow();
    expect(witnessState().size).toBe(firstSize);
    await demoCase(t, 'JZ-WIT-0002'); // the second submission carries a consistency proof from the first
    honestSize = await checkpointNow();
    expect(honestSize).toBeGreaterThan(firstSize);
    honestNote = await publishedNote();
    const note = parseNote(honestNote);
    const cp = parseCheckpointText(note.text);
    expect(cp).toMatchObject({ origin: ORIGIN, size: honestSize, extensions: [] });
    const json = await t.call('GET', `/api/v1/log/checkpoint?size=${honestSize}`, { token: auditor });
    expect(cp.root.toString('hex')).toBe(json.body.root);
    const verified = verifyNote(note, [parseVkey(logVkey), parseVkey(witness.vkey)]);
    expect(verified.map((v) => v.key.name)).toEqual([ORIGIN, WITNESS]);
    expect(witnessState()).toMatchObject({ size: honestSize, root: cp.root.toString('base64') });
    // the witness serves the same cosigned checkpoint under sha256(origin)
    const own = await fetch(`${witness.url}/${createHash('sha256').update(ORIGIN).digest('hex')}/checkpoint`);
    expect(parseNote(await own.text()).text).toBe(note.text);
    // the log key API names the note key the witness was configured with
    const key = await t.call('GET', '/api/v1/log/key', { token: t.tokens.hall });
    expect(key.body).toMatchObject({ origin: ORIGIN, noteKey: logVkey });
  });

  test('a bundle carries the cosigned checkpoint and verifies against the witness key; another witness key fails', async () => {
    const bundle = await evidence('JZ-WIT-0002');
    expect(bundle.format).toBe('xgw-evidence/2');
    expect(bundle.log).toMatchObject({ origin: ORIGIN, noteKey: logVkey });
    const report = verifyBundle(bundle, { witnessKeys: [parseVkey(witness.vkey)] });
    expect(report.lines.filter((l) => !l.ok)).toEqual([]);
    expect(report.lines.filter((l) => l.group === 'witnesses').map((l) => l.ok)).toEqual([true, true, true]);
    const stranger = ensureWitnessKey(fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-other-witness-')));
    const otherVkey = parseVkey(witnessVkey(WITNESS, stranger));
    const other = verifyBundle(bundle, { witnessKeys: [otherVkey] });
    expect(other.ok).toBe(false);
    expect(other.lines.find((l) => l.group === 'witnesses' && !l.ok)?.text).toMatch(/no cosignature by this witness key/);
  });

  test('split view: a log rewritten from an old size is refused by the witness, and its bundle fails --witness', async () => {
    const witnessed = witnessState();
    await forkLog(t.db.store, firstSize);
    // the forked history grows past what the witness has seen, with other entries
    let forkSize = 0;
    for (let i = 0; forkSize <= honestSize; i++) {
      await demoCase(t, `JZ-FORK-${i}`);
      forkSize = await checkpointNow();
    }
    // the witness answered 422 (the proof from its size does not lead to the forked root) and cosigned nothing
    const outcomes = await t.gw.deps.witnessing.witnessCheckpoint(forkSize);
    expect(outcomes).toEqual([expect.objectContaining({ witness: WITNESS, ok: false, status: 422 })]);
    expect(outcomes[0]!.detail).toMatch(/consistency proof does not lead/);
    expect(t.logs.some((l) => l.msg === 'a witness did not cosign the checkpoint' && l.status === 422)).toBe(true);
    expect(witnessState()).toEqual(expect.objectContaining(witnessed));
    const published = parseNote(await publishedNote());
    expect(published.signatures.map((s) => s.name)).toEqual([ORIGIN]); // only the log's own signature
    // the forked log's bundle verifies on the operator's word alone, but not against the witness
    const bundle = await evidence('JZ-FORK-0');
    const alone = verifyBundle(bundle);
    expect(alone.ok).toBe(true);
    const witnessedReport = verifyBundle(bundle, { witnessKeys: [parseVkey(witness.vkey)] });
    expect(witnessedReport.ok).toBe(false);
    expect(witnessedReport.lines.filter((l) => !l.ok).map((l) => l.subject)).toEqual([`witness ${WITNESS}`]);
    // pasting the witness's honest cosignature onto the forked checkpoint does not help
    const honestLine = parseNote(honestNote).signatures.find((s) => s.name === WITNESS)!.line;
    const forged = { ...bundle, log: { ...bundle.log, checkpointNote: bundle.log.checkpointNote + honestLine } };
    const forgedReport = verifyBundle(forged, { witnessKeys: [parseVkey(witness.vkey)] });
    expect(forgedReport.ok).toBe(false);
    expect(forgedReport.lines.find((l) => l.group === 'witnesses' && !l.ok)?.text).toMatch(/does not verify/);
  });

  test('the witness keeps its key and state across a restart: a submission from an old size gets 409 with its size', async () => {
    const before = witnessState();
    const vkey = witness.vkey;
    await witness.close();
    witness = await openWitness();
    expect(witness.vkey).toBe(vkey);
    const note = await publishedNote();
    const r = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${note}` });
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toBe('text/x.tlog.size');
    expect(await r.text()).toBe(`${before.size}\n`);
  });

  test('the protocol refusals: unknown origin 404, a bad log signature 403, old size beyond the checkpoint 400, a bad body 400', async () => {
    const note = parseNote(await publishedNote());
    const post = (body: string) => fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
    const size = parseCheckpointText(note.text).size;
    const text = note.text;
    const sig = note.signatures[0]!.line;
    expect((await post(`old 0\n\n${text.replace(ORIGIN, 'other.example/log')}\n${sig}`)).status).toBe(404);
    expect((await post(`old 0\n\n${text.replace(`\n${size}\n`, `\n${size + 1}\n`)}\n${sig}`)).status).toBe(403);
    expect((await post(`old ${size + 1}\n\n${text}\n${sig}`)).status).toBe(400);
    expect((await post(`old 01\n\n${text}\n${sig}`)).status).toBe(400);
  });
});
