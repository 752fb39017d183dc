/**
 * `xgw verify log` and `xgw verify consistency`: audit the exchange log as stored in the
 * database (DATABASE_URL, or the PGlite data directory). Exit status 1 on any failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { verifyStoredLog, type LogAuditReport, type LogProblem, type NodeCheck } from '../log/audit-log';
import { checkStoredConsistency } from '../log/audit-checkpoints';
import { withStore, print } from './context';
import { progress } from './progress';

const size = (v: string): number => {
  const n = Number(v);
  if (!/^\d{1,15}$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a tree size ≥ 1');
  return n;
};
const nodeMode = (v: string): NodeCheck => {
  if (v !== 'all' && v !== 'sample' && v !== 'none') throw new InvalidArgumentError('all, sample or none');
  return v;
};
const readCert = (file?: string): string | undefined => (file ? fs.readFileSync(file, 'utf8') : undefined);
const fmt = (n: number): string => n.toLocaleString('en-US');

function where(p: LogProblem): string {
  if (p.index !== undefined) return `first bad index ${p.index}`;
  if (p.range) return `first bad index in ${p.range[0]}–${p.range[1]}`;
  if (p.checkpoint !== undefined) return `checkpoint at size ${p.checkpoint}`;
  return 'log head';
}

function printReport(r: LogAuditReport, database: string): void {
  print(`xgw verify log: ${r.alg} log in ${database}, ${fmt(r.logSize)} entries (${fmt(r.integratedSize)} integrated), checked from index ${r.from}`);
  for (const c of r.checks) {
    const counts = `${fmt(c.checked)} checked${c.failed ? `, ${fmt(c.failed)} failed` : ''}`;
    print(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(11)} ${counts.padEnd(22)} ${c.detail}`);
  }
  const u = r.unsigned;
  const after = u.afterSize > 0 ? `after the last verified checkpoint (size ${fmt(u.afterSize)})` : '(no checkpoint verifies)';
  print(
    u.entries === 0
      ? '  unsigned tail: none, every entry is covered by a verified checkpoint signature'
      : `  unsigned tail: ${fmt(u.entries)} entr${u.entries === 1 ? 'y' : 'ies'} ${after}, checked against no signature`,
  );
  if (r.legacySm2Checkpoints) {
    print(`  note: ${fmt(r.legacySm2Checkpoints)} checkpoint signature(s) are legacy SM2 with an EMPTY distinguishing ID (made before xgw used the GM/T 0009 default ID 1234567812345678); they verify`);
  }
  const rate = r.seconds > 0 ? `, ${fmt(Math.round(r.entries / r.seconds))} entries/s` : '';
  const cps = r.checks.find((c) => c.name === 'checkpoints')!.checked;
  if (r.ok) {
    print(`OK: the exchange log verifies (${fmt(r.entries)} entries, ${fmt(cps)} checkpoint${cps === 1 ? '' : 's'}) in ${r.seconds.toFixed(2)} s${rate}`);
    return;
  }
  const first = r.firstBad!;
  print(`FAILED: ${where(first)} — ${first.message}`);
  print(`problems (${fmt(r.problemCount)} in total${r.problemCount > r.problems.length ? `, ${r.problems.length} listed; the rest follow from these` : ''}):`);
  for (const p of r.problems) print(`  - ${p.message}`);
}

export function registerVerifyLog(program: Command): void {
  const verify =
    program.commands.find((c) => c.name() === 'verify') ??
    program.command('verify').description('check stored evidence against its hashes and signatures (exit status 1 on any failure)');

  verify
    .command('log')
    .description(
      'recompute the exchange log from the stored entries: dense indices, every leaf hash, every checkpoint root and signature, the checkpoint sequence (gaps, consistency proofs between consecutive ones), the stored tree nodes; reports the unsigned tail',
    )
    .option('--from-checkpoint <size>', 'start at this signed checkpoint (its right edge from log_nodes) instead of entry 0', size)
    .option('--nodes <mode>', 'compare stored tree nodes with recomputed ones: all, sample or none', nodeMode, 'all' as NodeCheck)
    .option('--log-cert <file>', 'verify checkpoints with this PEM certificate only (default: log certificates in the database)')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'no progress display on stderr')
    .action((o: { fromCheckpoint?: number; nodes: NodeCheck; logCert?: string; json?: boolean; progress: boolean }) =>
      withStore(async (store) => {
        const bar = o.progress ? progress('verify log') : null;
        let report: LogAuditReport;
        try {
          report = await verifyStoredLog(store, {
            fromCheckpoint: o.fromCheckpoint,
            nodes: o.nodes,
            hashThread: os.availableParallelism() > 1,
            logCertPem: readCert(o.logCert),
            onProgress: bar ? (done, total) => bar.update(done, total) : undefined,
          });
        } finally {
          bar?.finish();
        }
        if (o.json) print(JSON.stringify(report, null, 2));
        else printReport(report, store.kind === 'postgres' ? 'PostgreSQL' : 'PGlite');
        if (!report.ok) process.exitCode = 1;
      }),
    );

  verify
    .command('consistency')
    .description('check the RFC 9162 consistency proof between two saved checkpoints, built from the stored tree nodes, against their signed roots')
    .requiredOption('--from <size>', 'size of the older checkpoint', size)
    .requiredOption('--to <size>', 'size of the newer checkpoint', size)
    .option('--log-cert <file>', 'verify checkpoints with this PEM certificate only')
    .option('--json', 'print the result as JSON')
    .action((o: { from: number; to: number; logCert?: string; json?: boolean }) =>
      withStore(async (store) => {
        const r = await checkStoredConsistency(store, o.from, o.to, { logCertPem: readCert(o.logCert) });
        if (o.json) print(JSON.stringify(r, null, 2));
        else if (r.ok) {
          print(`OK: checkpoint ${r.from} → ${r.to} (${r.alg}): both signatures verify; the consistency proof of ${r.proof.length} hash(es) from log_nodes verifies against their signed roots`);
        } else {
          print(`FAILED: checkpoint ${r.from} → ${r.to} (${r.alg}):`);
          for (const p of r.problems) print(`  - ${p}`);
        }
        if (!r.ok) process.exitCode = 1;
      }),
    );
}
