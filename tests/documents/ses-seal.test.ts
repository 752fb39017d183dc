/**
 * GB/T 38540 electronic seals: the SESeal and SES_Signature DER read by OpenSSL's
 * asn1parse, the 签章人's signature over TBS_Sign accepted by `openssl dgst -sm3 -verify`
 * with the GM/T 0009 default ID (TBS bytes, signature and public key cut out by openssl
 * itself), and our verifier refusing one changed byte of the content or of the seal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { initPki, loadPki } from '../../certs/pki';
import { fromPem } from '../../certs/asn1';
import { digestHex } from '../../gateway/crypto/digest';
import { makeSeal, parseSesSignature, signWithSeal } from '../../gateway/documents/ses';
import { verifySesSignature } from '../../gateway/documents/seal-verify';
import { sealedBytes } from '../../gateway/documents/seals';
import { SEAL_PICTURE_MM, SEAL_PICTURE_PIXELS, sealPicturePng } from '../../gateway/documents/seal-picture';
import { openssl, scratchDir } from '../crypto/support';
import { cutSesSignature, opensslVerifiesTbs, topLevel as topLevelOf } from './ses-openssl';

const tmp = scratchDir('ses');
afterAll(() => tmp.cleanup());
const now = new Date('2026-06-01T02:00:00Z');
const pki = loadPki(initPki({ dir: path.join(tmp.dir, 'pki'), departments: [{ code: 'housing', name: '江州市住房和城乡建设局', alg: 'sm2' }, { code: 'tax', name: '江州市税务局', alg: 'sm2' }], logAlg: 'sm2', now }).dir, now);
const maker = pki.log;
const housing = pki.department('housing');
const makerFp = digestHex('sha256', fromPem(maker.certPem!, 'CERTIFICATE'));
const trusted = { trustedMaker: (fp: string) => fp === makerFp };

const picture = sealPicturePng();
const seal = makeSeal(
  {
    esID: 'xgw-housing-0001',
    vid: 'xgw',
    name: '江州市住房和城乡建设局',
    type: 1,
    signerCerts: [fromPem(housing.certPem!, 'CERTIFICATE')],
    createDate: now,
    validStart: new Date(now.getTime() - 86_400_000),
    validEnd: new Date(now.getTime() + 365 * 86_400_000),
    picture: { type: 'PNG', data: picture, widthMm: SEAL_PICTURE_MM, heightMm: SEAL_PICTURE_MM },
  },
  maker,
);
const content = Buffer.from('{"document":{"title":"关于开展住房安全专项检查的通知"},"attachments":[]}', 'utf8');
const ses = signWithSeal(seal, { timeInfo: now, dataHash: Buffer.from(digestHex('sm3', content), 'hex'), propertyInfo: 'xgw-document-seal-v1' }, housing);

const topLevel = (file: string) => topLevelOf(file, tmp.dir);

describe('SESeal / SES_Signature DER', () => {
  test('openssl asn1parse reads both; the structure is the GB/T 38540 v4 one', () => {
    const file = tmp.write('ses.der', ses);
    const r = openssl(['asn1parse', '-inform', 'DER', '-in', file, '-i'], tmp.dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/IA5STRING\s+:ES\b/);
    expect(r.out).toMatch(/IA5STRING\s+:PNG\b/);
    expect(r.out).toMatch(/IA5STRING\s+:xgw-housing-0001/);
    expect(r.out).toMatch(/GENERALIZEDTIME\s+:20260601020000Z/);
    expect(r.out).toMatch(/OBJECT\s+:(SM2-with-SM3|1\.2\.156\.10197\.1\.501)/);
    expect(topLevel(file).map((e) => e.type)).toEqual(['SEQUENCE', 'OCTET STRING', 'OBJECT', 'BIT STRING']);
    expect(openssl(['asn1parse', '-inform', 'DER', '-in', tmp.write('seal.der', seal)], tmp.dir).code).toBe(0);
    const parsed = parseSesSignature(ses);
    expect(parsed).toMatchObject({ version: 4, propertyInfo: 'xgw-document-seal-v1', seal: { version: 4, vid: 'xgw', esID: 'xgw-housing-0001', type: 1, name: '江州市住房和城乡建设局', picture: { type: 'PNG', widthMm: 42, heightMm: 42 } } });
    expect(parsed.seal.picture.data.equals(picture)).toBe(true);
  });

  test('openssl dgst -sm3 -sigopt distid:1234567812345678 accepts the signature over TBS_Sign (and refuses it without the ID)', () => {
    const file = tmp.write('ses2.der', ses);
    cutSesSignature(file, tmp.dir);
    expect(fs.readFileSync(path.join(tmp.dir, 'tbs.der')).equals(parseSesSignature(ses).tbs)).toBe(true);
    expect(opensslVerifiesTbs(tmp.dir)).toMatchObject({ code: 0, out: expect.stringContaining('Verified OK') });
    expect(opensslVerifiesTbs(tmp.dir, false).code).not.toBe(0);
  });

  test('the seal picture is a PNG of the stated size with red, transparent-outside pixels', () => {
    const png = PNG.sync.read(picture);
    expect([png.width, png.height]).toEqual([SEAL_PICTURE_PIXELS, SEAL_PICTURE_PIXELS]);
    const at = (x: number, y: number) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)];
    expect(at(0, 0)[3]).toBe(0); // corner: outside the ring
    expect(at(Math.round(SEAL_PICTURE_PIXELS * 0.04), SEAL_PICTURE_PIXELS / 2)).toEqual([0xd4, 0x1f, 0x26, 255]); // on the ring
    expect(at(SEAL_PICTURE_PIXELS / 2, SEAL_PICTURE_PIXELS / 2)[3]).toBe(255); // the star's centre
    expect(sealPicturePng().equals(picture)).toBe(true);
  });
});

describe('our verifier', () => {
  test('the untouched signature over the untouched content verifies', () => {
    expect(verifySesSignature(ses, content, trusted)).toMatchObject({ status: 'verified', esID: 'xgw-housing-0001', sealName: '江州市住房和城乡建设局', maker: makerFp, signedAt: now.toISOString() });
  });

  test('one changed byte of the content fails', () => {
    const changed = Buffer.from(content);
    changed[changed.length - 3] ^= 0x01;
    expect(verifySesSignature(ses, changed, trusted)).toEqual({ status: 'invalid', reason: expect.stringContaining('data hash') });
  });

  test('one changed byte of the seal (its picture, its name) fails: the maker signature no longer covers it', () => {
    const inPicture = Buffer.from(ses);
    const at = ses.indexOf(picture.subarray(100, 132));
    expect(at).toBeGreaterThan(0);
    inPicture[at + 5] ^= 0x01;
    expect(verifySesSignature(inPicture, content, trusted)).toEqual({ status: 'invalid', reason: 'the seal maker signature over the seal does not verify' });
    const inName = Buffer.from(ses);
    inName[ses.indexOf(Buffer.from('住房', 'utf8'))] ^= 0x01;
    expect(verifySesSignature(inName, content, trusted).status).toBe('invalid');
  });

  test('one changed byte of the signing time fails the signer signature; a cut DER does not parse', () => {
    const changed = Buffer.from(ses);
    changed[ses.lastIndexOf(Buffer.from('20260601020000Z')) + 13] ^= 0x01;
    expect(verifySesSignature(changed, content, trusted)).toEqual({ status: 'invalid', reason: 'the signature over TBS_Sign does not verify' });
    expect(verifySesSignature(ses.subarray(0, ses.length - 1), content, trusted)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('not a GB/T 38540 SES_Signature') });
  });

  test('a signer the seal does not list, or a maker not trusted, fails', () => {
    const other = signWithSeal(seal, { timeInfo: now, dataHash: Buffer.from(digestHex('sm3', content), 'hex'), propertyInfo: 'x' }, pki.department('tax'));
    expect(verifySesSignature(other, content, trusted)).toEqual({ status: 'invalid', reason: 'the signer certificate is not one the seal lists' });
    expect(verifySesSignature(ses, content, { trustedMaker: () => false })).toEqual({ status: 'invalid', reason: 'the seal maker certificate is not trusted' });
  });

  test('the sealed bytes cover the attachments by digest: another attachment digest fails', () => {
    const doc = { title: '关于开展住房安全专项检查的通知' } as never;
    const att = [{ name: '检查表.pdf', mediaType: 'application/pdf', size: 1024, digests: [{ alg: 'sm3' as const, value: 'ab'.repeat(32) }] }];
    const bytes = sealedBytes(doc, att);
    const sealed = signWithSeal(seal, { timeInfo: now, dataHash: Buffer.from(digestHex('sm3', bytes), 'hex'), propertyInfo: 'x' }, housing);
    expect(verifySesSignature(sealed, sealedBytes(doc, att), trusted).status).toBe('verified');
    const other = [{ ...att[0]!, digests: [{ alg: 'sm3' as const, value: 'ac'.repeat(32) }] }];
    expect(verifySesSignature(sealed, sealedBytes(doc, other), trusted)).toMatchObject({ status: 'invalid', reason: expect.stringContaining('data hash') });
  });
});
