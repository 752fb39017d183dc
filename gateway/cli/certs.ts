import type { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { listMembers } from '../registry/members';
import { Trust } from '../trust/trust';
import fs from 'node:fs';
import { registerCertificate } from '../trust/certificates';
import { importDepartmentCertificate } from '../../certs/import';
import { getMember } from '../registry/members';
import { systemClock } from '../clock';
import { withStore, print } from './context';
import { adminClient } from './admin-client';
import { CliRefusal } from './local-admin';
import type { CertificateView as Certificate } from '../trust/admin-certificates';
import type { RootRenewal } from '../trust/admin-renewal';

/**
 * `xgw certs init|rotate|renew-log|renew-root|revoke|import|crl|list`: the gateway's PKI (root CA, log key, department keys) under trust.pkiDir.
 * Revocations, rotations and renewals go through a running gateway's admin API (every process learns them at once).
 */
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
          acceptLegacySm2Certificates: config.trust.acceptLegacySm2Certificates,
        });
        print(`PKI at ${dir}`);
        print(`  root  ${trust.fingerprintOf(trust.pki.rootCertPem)}  ${new X509Certificate(trust.pki.rootCertPem).subject.replace(/\n/g, ', ')}`);
        print(`  log   ${trust.fingerprintOf(trust.logSigner.certPem!)}  ${trust.logSigner.alg}`);
        for (const [code, signer] of trust.pki.departments) print(`  ${code.padEnd(12)} ${trust.fingerprintOf(signer.certPem!)}  ${signer.alg}`);
        for (const w of trust.pki.warnings) print(`  warning: ${w}`);
      }),
    );
  certs
    .command('rotate')
    .description("issue a new signing key and certificate for a member (through the running gateway); every gateway process signs with it at once, the old one keeps verifying what it signed")
    .requiredOption('-m, --member <code>', 'the member (department)')
    .action(async (o: { member: string }) => {
      const c = await (await adminClient()).call<Certificate>('POST', `/admin/members/${encodeURIComponent(o.member)}/certificates/rotate`);
      print(`issued ${c.algorithm} certificate ${c.fingerprint} (serial ${c.serial}) for ${o.member}, valid until ${c.notAfter}; signing with it now`);
    });
  certs
    .command('renew-log')
    .description("issue a new log-signing key (trust.logKeyAlg) and certificate under the root (through the running gateway): checkpoints, receipts and webhooks are signed with it at once in every gateway process; the old key stays listed as previous in GET /log/keys and keeps verifying what it signed")
    .action(async () => {
      const c = await (await adminClient()).call<Certificate>('POST', '/admin/certificates/log/renew');
      print(`issued ${c.algorithm} log certificate ${c.fingerprint} (serial ${c.serial}), valid until ${c.notAfter}; signing checkpoints, receipts and webhooks with it now`);
    });
  certs
    .command('renew-root')
    .description('issue a new root CA (through the running gateway), a cross certificate from the previous root and a new log key under it; the previous root stays a trust anchor for what it issued; rotate members (xgw certs rotate --member X) to move them under the new root')
    .action(async () => {
      const r = await (await adminClient()).call<RootRenewal>('POST', '/admin/certificates/root/renew');
      print(`issued root ${r.root.fingerprint} "${r.root.subject}" (serial ${r.root.serial}), valid until ${r.root.notAfter}`);
      print(`  cross certificate ${r.cross.fingerprint}: the new root's key certified by the previous root (in every evidence bundle)`);
      print(`  log certificate ${r.log.fingerprint} under the new root; signing with it now`);
      print('  the previous root stays a trust anchor; department certificates it issued keep working until rotated (xgw certs rotate --member X)');
    });
  certs
    .command('revoke [fingerprint]')
    .description('revoke a certificate (through the running gateway): nothing is signed with it from then on, in every gateway process at once; older signatures still verify as of their time')
    .option('-m, --member <code>', "revoke the member's active certificate (or the given one of it)")
    .option('--at <time>', 'without --member: revocation time (RFC 3339, not later than now); default now')
    .action(async (fingerprint: string | undefined, o: { member?: string; at?: string }) => {
      if (o.member) {
        const body = fingerprint ? { fingerprint: fingerprint.toLowerCase() } : {};
        const r = await (await adminClient()).call<{ revoked: Certificate[] }>('POST', `/admin/members/${encodeURIComponent(o.member)}/certificates/revoke`, body);
        for (const c of r.revoked) print(`revoked ${c.fingerprint} (serial ${c.serial}) of ${o.member} at ${c.revokedAt}`);
        print(`${o.member} has no signing certificate now: the gateway refuses to sign on its behalf until xgw certs rotate --member ${o.member}`);
        return;
      }
      if (!fingerprint) throw new CliRefusal('give a certificate fingerprint or --member <code>');
      const body = o.at ? { revokedAt: o.at } : {};
      const c = await (await adminClient()).call<Certificate>('POST', `/admin/certificates/${encodeURIComponent(fingerprint.toLowerCase())}/revoke`, body);
      print(`revoked ${c.fingerprint} (${c.role}${c.member ? ` of ${c.member}` : ''}, serial ${c.serial}) from ${c.revokedAt}`);
    });
  certs
    .command('import')
    .description("install a department's own certificate issued elsewhere (chain and validity checked against the trusted roots)")
    .requiredOption('-m, --member <code>', 'the department')
    .requiredOption('--cert <file>', 'PEM: the certificate, optionally followed by its chain')
    .option('--key <file>', 'PEM private key, when the gateway is to sign on the department\'s behalf with it')
    .option('--replace', 'replace the department\'s current certificate')
    .action((o: { member: string; cert: string; key?: string; replace?: boolean }) =>
      withStore(async (store, config) => {
        await getMember(store, o.member);
        const dir = config.trust.pkiDir ?? Trust.defaultDir(config.dataDir);
        const out = importDepartmentCertificate({
          dir,
          code: o.member,
          certPem: fs.readFileSync(o.cert, 'utf8'),
          privateKeyPem: o.key ? fs.readFileSync(o.key, 'utf8') : undefined,
          replace: o.replace,
          acceptLegacySm2: config.trust.acceptLegacySm2Certificates,
        });
        const fp = await registerCertificate(store, out.certificate.pem, 'department', o.member);
        print(`imported ${out.keyAlg} certificate ${fp} for ${o.member}; restart gateways to sign with it`);
      }),
    );
  certs
    .command('crl <file>')
    .description('honour a CRL (PEM) from a trusted CA through the running gateway: listed certificates are revoked from their revocation time, in every gateway process at once')
    .action(async (file: string) => {
      const r = await (await adminClient()).call<{ revoked: Certificate[] }>('POST', '/admin/certificates/crl', { crl: fs.readFileSync(file, 'utf8') });
      print(r.revoked.length ? `revoked ${r.revoked.length}: ${r.revoked.map((c) => c.fingerprint).join(', ')}` : 'no known certificate newly revoked');
    });
  certs
    .command('list')
    .description('certificates registered in the database (every certificate that ever signed)')
    .action(() =>
      withStore(async (store) => {
        const r = await store.query<{ fingerprint: string; member: string | null; role: string; not_after: Date; revoked_at: Date | null; superseded_at: Date | null }>(
          'SELECT fingerprint, member, role, not_after, revoked_at, superseded_at FROM certificates ORDER BY role, member NULLS FIRST',
        );
        for (const c of r.rows) {
          const state = c.revoked_at ? `  REVOKED ${c.revoked_at.toISOString()}` : c.superseded_at ? `  superseded ${c.superseded_at.toISOString()}` : '';
          print(`${c.role.padEnd(11)} ${(c.member ?? '-').padEnd(12)} ${c.fingerprint}  until ${c.not_after.toISOString().slice(0, 10)}${state}`);
        }
      }),
    );
}
