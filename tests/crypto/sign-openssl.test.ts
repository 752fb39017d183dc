import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair } from '../../gateway/crypto/keys';
import { checkSignature, sign, verify } from '../../gateway/crypto/sign';
import { DISTID, openssl, opensslRecipes, scratchDir } from './support';

// Our signatures against the real openssl CLI, in both directions.

const tmp = scratchDir('sig');
afterAll(() => tmp.cleanup());
const data = Buffer.from('<公文 文种="通知">穗府办〔2015〕37号 关于……的通知</公文>\n');

const cases = opensslRecipes;

describe.each(cases)('$sigAlg with openssl', ({ sigAlg, key, verifyArgs, signArgs }) => {
  const pair = generateKeyPair(key);
  const name = sigAlg.toLowerCase();
  const pub = tmp.write(`${name}.pub.pem`, pair.publicPem);
  const priv = tmp.write(`${name}.key.pem`, pair.privatePem);
  const dataFile = tmp.write(`${name}.data.bin`, data);

  test('our signature verifies with openssl; a changed byte makes openssl reject it', () => {
    const sig = tmp.write(`${name}.ours.sig`, sign(sigAlg, data, pair.privateKey));
    const ok = openssl(verifyArgs(pub, sig, dataFile), tmp.dir);
    expect(ok.out).toMatch(/Verified OK|Signature Verified Successfully/);
    expect(ok.code).toBe(0);
    const tampered = Buffer.from(data);
    tampered[10] ^= 0x01;
    const bad = tmp.write(`${name}.tampered.bin`, tampered);
    expect(openssl(verifyArgs(pub, sig, bad), tmp.dir).code).not.toBe(0);
  });

  test("openssl's signature verifies with our verify", () => {
    const sigFile = path.join(tmp.dir, `${name}.openssl.sig`);
    const made = openssl(signArgs(priv, sigFile, dataFile), tmp.dir);
    expect(made.code).toBe(0);
    const sig = fs.readFileSync(sigFile);
    expect(verify(sigAlg, data, sig, pair.publicKey)).toBe(true);
    expect(verify(sigAlg, Buffer.concat([data, Buffer.from(' ')]), sig, pair.publicKey)).toBe(false);
  });
});

describe('SM2 details', () => {
  const pair = generateKeyPair('sm2');
  const pub = tmp.write('sm2d.pub.pem', pair.publicPem);
  const priv = tmp.write('sm2d.key.pem', pair.privatePem);
  const dataFile = tmp.write('sm2d.data.bin', data);

  test('WITHOUT the PEM round trip, generateKeyPairSync(SM2) signs plain ECDSA on the SM2 curve, which openssl rejects as SM2', () => {
    const raw = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const rawPub = tmp.write('raw.pub.pem', raw.publicKey.export({ type: 'spki', format: 'pem' }));
    const rawSig = nodeSign('sm3', data, raw.privateKey);
    const sig = tmp.write('raw.sig', rawSig);
    const r = openssl(['dgst', '-sm3', '-verify', rawPub, '-signature', sig, dataFile], tmp.dir);
    expect(r.out).toMatch(/Verification failure/);
    expect(r.code).not.toBe(0);
    // It is a valid ECDSA(SM3) signature for the raw key object itself, and nothing more:
    expect(nodeVerify('sm3', data, raw.publicKey, rawSig)).toBe(true);
    expect(checkSignature('SM2-SM3', data, rawSig, raw.publicKey)).toBe('invalid');
    // Our SM2 with the raw key is real SM2 (default ID):
    const ours = tmp.write('raw-ours.sig', sign('SM2-SM3', data, raw.privateKey));
    expect(openssl(['dgst', '-sm3', ...DISTID, '-verify', rawPub, '-signature', ours, dataFile], tmp.dir).code).toBe(0);
  });

  test('the distinguishing ID is 1234567812345678: openssl without it (the empty ID of OpenSSL 3) rejects ours, and verifies with it over pkeyutl -rawin too', () => {
    const sig = tmp.write('sm2d.ours.sig', sign('SM2-SM3', data, pair.privateKey));
    expect(openssl(['dgst', '-sm3', '-verify', pub, '-signature', sig, dataFile], tmp.dir).code).not.toBe(0);
    expect(openssl(['dgst', '-sm3', '-sigopt', 'distid:', '-verify', pub, '-signature', sig, dataFile], tmp.dir).code).not.toBe(0);
    const r = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-in', dataFile, '-sigfile', sig], tmp.dir);
    expect(r.out).toMatch(/Signature Verified Successfully/);
    // Known answer: what we sign is e = SM3(Z ‖ M) with Z over ENTL = 128 and the default ID.
    const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
    const h = (s: string): Buffer => Buffer.from(s, 'hex');
    const curve = [
      h('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC'),
      h('28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93'),
      h('32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
      h('BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
    ];
    const zFor = (id: string): Buffer => {
      const entl = Buffer.alloc(2);
      entl.writeUInt16BE(Buffer.byteLength(id) * 8);
      return createHash('sm3').update(Buffer.concat([entl, Buffer.from(id), ...curve, spki.subarray(spki.length - 64)])).digest();
    };
    for (const [id, expected] of [['', 1], ['1234567812345678', 0]] as const) {
      const e = tmp.write(`e-${id || 'empty'}.bin`, createHash('sm3').update(Buffer.concat([zFor(id), data])).digest());
      const v = openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-in', e, '-sigfile', sig], tmp.dir);
      expect(v.code === 0 ? 0 : 1).toBe(expected);
    }
  });

  test("a signature openssl makes with distid 1234567812345678 verifies as SM2-SM3; one with the empty ID only as the legacy SM2-SM3-EMPTYID", () => {
    const gm = path.join(tmp.dir, 'sm2d.gmt0009.sig');
    expect(openssl(['dgst', '-sm3', ...DISTID, '-sign', priv, '-out', gm, dataFile], tmp.dir).code).toBe(0);
    expect(verify('SM2-SM3', data, fs.readFileSync(gm), pair.publicKey)).toBe(true);
    expect(checkSignature('SM2-SM3', data, fs.readFileSync(gm), pair.publicKey)).toBe('valid');
    expect(verify('SM2-SM3-EMPTYID', data, fs.readFileSync(gm), pair.publicKey)).toBe(false);
    const empty = path.join(tmp.dir, 'sm2d.empty.sig');
    expect(openssl(['dgst', '-sm3', '-sign', priv, '-out', empty, dataFile], tmp.dir).code).toBe(0);
    expect(verify('SM2-SM3', data, fs.readFileSync(empty), pair.publicKey)).toBe(false);
    expect(verify('SM2-SM3-EMPTYID', data, fs.readFileSync(empty), pair.publicKey)).toBe(true);
    expect(checkSignature('SM2-SM3', data, fs.readFileSync(empty), pair.publicKey)).toBe('legacy-sm2-empty-id');
    expect(checkSignature('SM2-SM3', Buffer.concat([data, Buffer.from(' ')]), fs.readFileSync(empty), pair.publicKey)).toBe('invalid');
  });

  test('100 of our signatures over random messages all verify with openssl (random k, r and s of every length)', () => {
    const files: string[] = [];
    for (let i = 0; i < 100; i++) {
      const msg = tmp.write(`many-${i}.bin`, randomBytes(i));
      const sig = tmp.write(`many-${i}.sig`, sign('SM2-SM3', fs.readFileSync(msg), pair.privateKey));
      files.push(`openssl dgst -sm3 -sigopt distid:1234567812345678 -verify sm2d.pub.pem -signature ${path.basename(sig)} ${path.basename(msg)} >/dev/null || echo FAIL ${i}`);
    }
    const script = tmp.write('many.sh', files.join('\n') + '\n');
    const r = spawnSync('sh', [script], { cwd: tmp.dir, encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('');
    expect(r.status).toBe(0);
  });
});

