import { archiveOf } from '../retention/job';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { splitPem } from '../../certs/asn1';
import { loadPki } from '../../certs/pki';
import { systemClock } from '../clock';
import { createLogger } from '../logger';
import { Trust } from '../trust/trust';
import { registerCertificate } from '../trust/certificates';
import { integratorOptions, LogIntegrator } from '../log/integrator';
import { ensureLogHead } from '../log/store';
import { buildEvidence, exportOutcome, exportSummary } from '../audit/evidence';
import { verifyBundle } from '../audit/verify-bundle';
import { audited } from '../audit/trail';
import { Witnessing } from '../log/witnessing';
import { formatReport } from '../audit/report';
import { withStore, print } from './context';
import { vkeyOption } from './vkey-option';
import { COSIGNATURE_ED25519, logNoteVkey, type NoteVerifierKey } from '../log/note';

const witnessKey = vkeyOption(COSIGNATURE_ED25519, 'a witness key is a cosigner key (type 0x04), as `xgw witness` prints it');

/** A top-level command group, shared with other registrations that use the same verb. */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/**
 * `xgw export evidence --case <caseNo> --out <file>`: the case's evidence bundle,
 * against a checkpoint the CLI signs itself when the newest does not cover the
 * case (it loads the log key from the PKI directory). With PGlite the gateway
 * must be stopped first (one process per database directory).
 */
async function exportEvidence(o: { case: string; out: string; force?: boolean }): Promise<void> {
  const out = path.resolve(o.out);
  if (!o.force && fs.existsSync(out)) throw new Error(`${out} exists; pass --force to overwrite it`);
  await withStore(async (store, config) => {
    const log = createLogger(config.logLevel, process.stderr);
    const pki = loadPki(config.trust.pkiDir ?? Trust.defaultDir(config.dataDir), undefined, { acceptLegacySm2: config.trust.acceptLegacySm2Certificates });
    await ensureLogHead(store, config.trust.logHashAlg);
    await store.tx(async (db) => {
      await registerCertificate(db, pki.rootCertPem, 'root', null);
      await registerCertificate(db, pki.log.certPem!, 'log', null);
    });
    const noteSigner = pki.logNote;
    const noteKey = noteSigner ? { signer: noteSigner, origin: config.trust.logOrigin } : null;
    const integrator = new LogIntegrator(store, () => pki.log, systemClock, integratorOptions(config.trust), log, noteKey);
    const witnessing = new Witnessing(store, config.trust.logHashAlg, config.trust.witnesses, log, config.trust.witnessTimeoutMs);
    const note = noteSigner ? { origin: config.trust.logOrigin, vkey: logNoteVkey(config.trust.logOrigin, noteSigner) } : undefined;
    const by = { actor: `cli/${os.userInfo().username}`, role: 'operator' };
    // The export is on record in the signed log before the file is written.
    const { out: bundle, index } = await audited(
      store,
      config.trust.logHashAlg,
      () => systemClock.now(),
      'audit.evidence_exported',
      by,
      { caseId: o.case },
      () => buildEvidence({ db: store, clock: systemClock, signCheckpoint: () => integrator.runOnce(true), ...(witnessing.configured ? { witness: (size: number) => witnessing.submit(size) } : {}), note, archive: archiveOf(config) }, o.case),
      exportOutcome,
    );
    const summary = exportSummary(bundle);
    // Personal data leaves the gateway here: owner-only file, and the export is on record.
    fs.writeFileSync(out, JSON.stringify(bundle, null, 2) + '\n', { mode: 0o600 });
    fs.chmodSync(out, 0o600);
    await integrator.runOnce(true); // the export's own entry gets signed now, not at the gateway's next start
    log.info({ audit: 'evidence-export', by: by.actor, file: out, logIndex: index, ...summary }, 'evidence bundle exported');
    print(`evidence bundle for case ${summary.caseId}: ${summary.entries} log entries, ${summary.messages} messages, checkpoint size ${summary.checkpointSize}`);
    print(`written to ${out} (mode 0600)`);
    print('it contains the message payloads (personal data): keep it as you keep the case file; check it with `xgw verify bundle`');
  });
}

/** `xgw verify bundle <file>`: the offline verifier (no database, no network, no configuration). */
function verifyFile(file: string, o: { json?: boolean; root?: string; crl: string[]; witness: NoteVerifierKey[]; acceptLegacySm2Certs?: boolean }): void {
  let bundle: unknown;
  let rootPems: string[] | undefined;
  const crlPems: string[] = [];
  let reading = file;
  try {
    bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (o.root) {
      reading = o.root;
      rootPems = splitPem(fs.readFileSync(o.root, 'utf8'));
      if (!rootPems.length) throw new Error(`${o.root} holds no PEM certificate`);
    }
    for (const f of o.crl) {
      reading = f;
      const found = splitPem(fs.readFileSync(f, 'utf8'), 'X509 CRL');
      if (!found.length) throw new Error(`${f} holds no PEM "X509 CRL"`);
      crlPems.push(...found);
    }
  } catch (err) {
    process.stderr.write(`xgw: cannot read ${reading}: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const report = verifyBundle(bundle, { rootPems, crlPems, witnessKeys: o.witness, acceptLegacySm2Certificates: o.acceptLegacySm2Certs === true });
  process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  process.exitCode = report.ok ? 0 : 1;
}

export function registerAuditCommands(program: Command): void {
  group(program, 'export', 'export records for auditors')
    .command('evidence')
    .description("write one case's evidence bundle (log entries with proofs, signed messages with payloads, certificates)")
    .requiredOption('--case <caseNo>', 'the case number (办件编号)')
    .requiredOption('--out <file>', 'the JSON file to write (mode 0600: it holds personal data)')
    .option('--force', 'overwrite the file if it exists')
    .action((o: { case: string; out: string; force?: boolean }) => exportEvidence(o));

  group(program, 'verify', 'check evidence against its hashes and signatures (exit status 1 on any failure)')
    .command('bundle <file>')
    .description('verify an evidence bundle offline; exits 1 if any check fails, 2 if the file cannot be read')
    .option('--json', 'print the report as JSON')
    .option('--root <pem>', 'pin the trust anchor: the root certificate (PEM) obtained independently of the bundle')
    .option('--crl <pem>', "a CA's CRL (PEM), obtained independently; repeatable", (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--witness <vkey>', "require this witness's cosignature on the checkpoint (its cosigner key, from the witness's operator); repeatable", witnessKey, [] as NoteVerifierKey[])
    .option('--accept-legacy-sm2-certs', 'accept SM2 certificates and CRLs signed with the legacy EMPTY distinguishing ID (bundles from before xgw used the GM/T 0009 default ID); reported as a note')
    .action((file: string, o: { json?: boolean; root?: string; crl: string[]; witness: NoteVerifierKey[]; acceptLegacySm2Certs?: boolean }) => verifyFile(file, o));
}
