/**
 * Sign/verify throughput per algorithm with cached KeyObjects (one core).
 * Not a test. Run:
 *   npx tsc -p tsconfig.json --outDir /tmp/xgw-bench && node /tmp/xgw-bench/tests/crypto/bench-sign.js
 */
import { generateKeyPair } from '../../gateway/crypto/keys';
import { keyAlgForSigAlg, SIG_ALGS, sign, Signer, verify } from '../../gateway/crypto/sign';

const MESSAGE = Buffer.alloc(256, 'x'); // about a canonical-JSON record digest line

function rate(fn: () => void, ms = 1500): number {
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

const rows: string[] = [];
for (const sigAlg of SIG_ALGS) {
  const pair = generateKeyPair(keyAlgForSigAlg(sigAlg));
  const signer = new Signer({ privateKey: pair.privateKey, alg: sigAlg });
  const sig = sign(sigAlg, MESSAGE, pair.privateKey);
  const s = rate(() => signer.sign(MESSAGE));
  const v = rate(() => {
    if (!verify(sigAlg, MESSAGE, sig, pair.publicKey)) throw new Error('verify failed');
  });
  const pemEachTime = rate(() => Signer.fromPem(pair.privatePem, [], sigAlg).sign(MESSAGE), 800);
  rows.push(`${sigAlg.padEnd(18)} sign ${String(s).padStart(7)}/s  verify ${String(v).padStart(7)}/s  (new Signer from PEM per call: ${pemEachTime}/s)`);
}
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, 256-byte message, one core`);
console.log(rows.join('\n'));
