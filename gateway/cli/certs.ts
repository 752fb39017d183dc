import type { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { listMembers } from '../registry/members';
import { Trust } from '../trust/trust';
import { revokeCertificate } from '../trust/certificates';
import { systemClock } from '../clock';
import { withStore, print } from './context';

/** `xgw certs init|list`: the gateway's PKI (root CA, log key, department keys) under trust.pkiDir. */
export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('PKI: root CA, log-signing key, department signing certificates');
  certs
    .command('init')
    .description('create what is missing (idempotent; keys 0600 under trust.pkiDir, never in git) and register certificates')
    .action(() =>
      withStore(async (store, config) => {
        const dir = config.trust.pkiDir ?? Trust.defaultDir(config.dataDir);
        const trust = await Trust.open(store, await listMembers(store), {
          pkiDir: dir,
          logKeyAlg: config.trust.logKeyAlg,
          issueDepartmentKeys: true,
          now: systemClock.now(),
        });
        print(`PKI at ${dir}`);
        print(`  root  ${trust.fingerprintOf(trust.pki.rootCertPem)}  ${new X509Certificate(trust.pki.rootCertPem).subject.replace(/\n/g, ', ')}`);
        print(`  log   ${trust.fingerprintOf(trust.logSigner.certPem!)}  ${trust.logSigner.alg}`);
        for (const [code, signer] of trust.pki.departments) print(`  ${code.padEnd(12)} ${trust.fingerprintOf(signer.certPem!)}  ${signer.alg}`);
        for (const w of trust.pki.warnings) print(`  warning: ${w}`);
      }),
    );
  certs
    .command('revoke <fingerprint>')
    .description('revoke a certificate: new signatures with it are refused; older ones still verify as of their time')
    .option('--at <time>', 'revocation time (RFC 3339); default now')
    .action((fingerprint: string, o: { at?: string }) =>
      withStore(async (store) => {
        const at = o.at ? new Date(o.at) : systemClock.now();
        if (Number.isNaN(at.getTime())) throw new Error(`--at ${o.at} is not a time`);
        if (!(await revokeCertificate(store, fingerprint.toLowerCase(), at))) throw new Error(`no unrevoked certificate ${fingerprint}`);
        print(`revoked ${fingerprint} from ${at.toISOString()}; running gateways pick it up within 5 s`);
      }),
    );
  certs
    .command('list')
    .description('certificates registered in the database (every certificate that ever signed)')
    .action(() =>
      withStore(async (store) => {
        const r = await store.query<{ fingerprint: string; member: string | null; role: string; not_after: Date; revoked_at: Date | null }>(
          'SELECT fingerprint, member, role, not_after, revoked_at FROM certificates ORDER BY role, member NULLS FIRST',
        );
        for (const c of r.rows) {
          print(`${c.role.padEnd(11)} ${(c.member ?? '-').padEnd(12)} ${c.fingerprint}  until ${c.not_after.toISOString().slice(0, 10)}${c.revoked_at ? `  REVOKED ${c.revoked_at.toISOString()}` : ''}`);
        }
      }),
    );
}
