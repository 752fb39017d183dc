import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

const PSS = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sigopt', 'rsa_mgf1_md:sha256'];

/** The openssl command line that verifies a detached signature of `data` made with our SigAlg. */
export function opensslVerifyArgs(sigAlg: string, pubPem: string, sigFile: string, dataFile: string): string[] {
  switch (sigAlg) {
    case 'SM2-SM3':
      return ['dgst', '-sm3', '-verify', pubPem, '-signature', sigFile, dataFile];
    case 'RSA-PSS-SHA256':
      return ['dgst', '-sha256', ...PSS, '-verify', pubPem, '-signature', sigFile, dataFile];
    case 'RSA-SHA256':
    case 'ECDSA-P256-SHA256':
      return ['dgst', '-sha256', '-verify', pubPem, '-signature', sigFile, dataFile];
    case 'Ed25519':
      return ['pkeyutl', '-verify', '-pubin', '-inkey', pubPem, '-rawin', '-in', dataFile, '-sigfile', sigFile];
    default:
      throw new Error(`no openssl recipe for ${sigAlg}`);
  }
}
