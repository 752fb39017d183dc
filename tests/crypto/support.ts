import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signedParts } from '../../certs/parse';
import type { KeyAlg } from '../../gateway/crypto/keys';
import type { SigAlg } from '../../gateway/crypto/sign';

/** The real openssl CLI, run in `cwd`; never throws, returns exit code and output. */
export function openssl(args: string[], cwd: string): { code: number; out: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A scratch directory for one test file, removed by the returned cleanup. */
export function scratchDir(label: string): { dir: string; write: (name: string, data: string | Buffer) => string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xgw-${label}-`));
  return {
    dir,
    write: (name, data) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, data);
      return file;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export const DAY = 86_400_000;

export const JIANGZHOU = { C: 'CN', ST: '江南省', L: '江州市' } as const;

/** The GM/T 0009 default SM2 distinguishing ID, named explicitly (OpenSSL 3 defaults to the empty ID, OpenSSL 4 to this one). */
export const DISTID = ['-sigopt', 'distid:1234567812345678'];
/** The same for `openssl verify` / `x509` / `req` checks of SM2 certificate signatures. */
export const VFY_DISTID = ['-vfyopt', 'distid:1234567812345678'];

const PSS = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sigopt', 'rsa_mgf1_md:sha256'];

/** How openssl signs and verifies (detached, over a file) in each of our signature algorithms. */
interface OpensslRecipe {
  sigAlg: SigAlg;
  key: KeyAlg;
  verifyArgs: (pub: string, sig: string, dataFile: string) => string[];
  signArgs: (key: string, sig: string, dataFile: string) => string[];
}

export const opensslRecipes: OpensslRecipe[] = [
  {
    sigAlg: 'SM2-SM3',
    key: 'sm2',
    verifyArgs: (pub, sig, d) => ['dgst', '-sm3', ...DISTID, '-verify', pub, '-signature', sig, d],
    signArgs: (key, sig, d) => ['dgst', '-sm3', ...DISTID, '-sign', key, '-out', sig, d],
  },
  {
    sigAlg: 'RSA-PSS-SHA256',
    key: 'rsa',
    verifyArgs: (pub, sig, d) => ['dgst', '-sha256', ...PSS, '-verify', pub, '-signature', sig, d],
    signArgs: (key, sig, d) => ['dgst', '-sha256', ...PSS, '-sign', key, '-out', sig, d],
  },
  {
    sigAlg: 'RSA-SHA256',
    key: 'rsa',
    verifyArgs: (pub, sig, d) => ['dgst', '-sha256', '-verify', pub, '-signature', sig, d],
    signArgs: (key, sig, d) => ['dgst', '-sha256', '-sign', key, '-out', sig, d],
  },
  {
    sigAlg: 'ECDSA-P256-SHA256',
    key: 'ecdsa-p256',
    verifyArgs: (pub, sig, d) => ['dgst', '-sha256', '-verify', pub, '-signature', sig, d],
    signArgs: (key, sig, d) => ['dgst', '-sha256', '-sign', key, '-out', sig, d],
  },
  {
    sigAlg: 'Ed25519',
    key: 'ed25519',
    verifyArgs: (pub, sig, d) => ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', d, '-sigfile', sig],
    signArgs: (key, sig, d) => ['pkeyutl', '-sign', '-inkey', key, '-rawin', '-in', d, '-out', sig],
  },
];

/** The openssl command line that verifies a detached signature of `data` made with our SigAlg. */
export function opensslVerifyArgs(sigAlg: string, pubPem: string, sigFile: string, dataFile: string): string[] {
  const recipe = opensslRecipes.find((r) => r.sigAlg === sigAlg);
  if (!recipe) throw new Error(`no openssl recipe for ${sigAlg}`);
  return recipe.verifyArgs(pubPem, sigFile, dataFile);
}

/**
 * openssl checks the SM2 signature of a certificate or CRL (DER) over its exact TBS bytes with
 * the issuer certificate's key and the default ID (`dgst -sm3 -sigopt distid:1234567812345678`):
 * OpenSSL 3.0's `crl -verify` and `verify -check_ss_sig` take no distinguishing ID.
 */
export function opensslVerifySm2Signed(der: Buffer, issuerCertPem: string, cwd: string, label: string): { code: number; out: string } {
  const { tbsDer, signature } = signedParts(der);
  const write = (name: string, data: string | Buffer): string => {
    const file = path.join(cwd, `${label}.${name}`);
    fs.writeFileSync(file, data);
    return file;
  };
  const pub = write('issuer.pub.pem', openssl(['x509', '-in', write('issuer.pem', issuerCertPem), '-noout', '-pubkey'], cwd).out);
  return openssl(['dgst', '-sm3', ...DISTID, '-verify', pub, '-signature', write('sig', signature), write('tbs.der', tbsDer)], cwd);
}
