/**
 * Sign/verify throughput per algorithm with cached KeyObjects (one core), and the
 * cost of parsing the PEM on every call, which is why keys are loaded once. SM2-SM3
 * (default ID, gateway/crypto/sm2 on @noble/curves) is shown beside Node's own SM2
 * (OpenSSL, EMPTY ID: what xgw signed with before) and our legacy SM2-SM3-EMPTYID verify.
 *   node dist/bench/sign.js
 */
import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { generateKeyPair } from '../gateway/crypto/keys';
import { f0, markdownTable } from './table';
import { keyAlgForSigAlg, SIGNING_ALGS, sign, Signer, verify } from '../gateway/crypto/sign';

const MESSAGE = Buffer.alloc(256, 'x'); // about the size of a batch manifest or a checkpoint body

function rate(fn: () => void, ms: number): number {
  for (let i = 0; i < 50; i++) fn(); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    now = process.hrtime.bigint();
  }
  return Math.round(n / (Number(now - start) / 1e9));
}

export interface SignRates {
  /** A SigAlg, or a comparison row (Node's empty-ID SM2); NaN where it does not apply (verify-only). */
  alg: string;
  signPerSecond: number;
  verifyPerSecond: number;
  signFromPemPerSecond: number;
}

export function measureSigning(ms = 700): SignRates[] {
  const rows: SignRates[] = SIGNING_ALGS.map((alg) => {
    const pair = generateKeyPair(keyAlgForSigAlg(alg));
    const signer = new Signer({ privateKey: pair.privateKey, alg });
    const sig = sign(alg, MESSAGE, pair.privateKey);
    return {
      alg,
      signPerSecond: rate(() => signer.sign(MESSAGE), ms),
      verifyPerSecond: rate(() => {
        if (!verify(alg, MESSAGE, sig, pair.publicKey)) throw new Error('verify failed');
      }, ms),
      signFromPemPerSecond: rate(() => Signer.fromPem(pair.privatePem, [], alg).sign(MESSAGE), ms / 2),
    };
  });
  const sm2 = generateKeyPair('sm2');
  const legacy = nodeSign('sm3', MESSAGE, sm2.privateKey);
  rows.push(
    {
      alg: 'SM2, empty ID, Node crypto (OpenSSL)',
      signPerSecond: rate(() => nodeSign('sm3', MESSAGE, sm2.privateKey), ms),
      verifyPerSecond: rate(() => {
        if (!nodeVerify('sm3', MESSAGE, sm2.publicKey, legacy)) throw new Error('verify failed');
      }, ms),
      signFromPemPerSecond: NaN,
    },
    {
      alg: 'SM2-SM3-EMPTYID (legacy, verify only)',
      signPerSecond: NaN,
      verifyPerSecond: rate(() => {
        if (!verify('SM2-SM3-EMPTYID', MESSAGE, legacy, sm2.publicKey)) throw new Error('verify failed');
      }, ms),
      signFromPemPerSecond: NaN,
    },
  );
  return rows;
}

export function printSigning(rows: SignRates[]): void {
  const table = [
    ['algorithm (KeyObject cached)', 'sign/s', 'verify/s', 'sign/s parsing the PEM each time'],
    ...rows.map((r) => [r.alg, f0(r.signPerSecond), f0(r.verifyPerSecond), f0(r.signFromPemPerSecond)]),
  ];
  console.log(markdownTable(table, (i) => i > 0));
}

if (require.main === module) printSigning(measureSigning(1500));
