import { createPrivateKey } from 'node:crypto';
import { loadPrivateKey, publicKeyOf } from '../../gateway/crypto/keys';
import { sign, verify } from '../../gateway/crypto/sign';
import { SM2_DEFAULT_ID, sm2Domain, sm2SignWith, sm2VerifyWith, sm2Z } from '../../gateway/crypto/sm2';

// The published worked examples of the SM2 signature algorithm.

const h = (hex: string): bigint => BigInt(`0x${hex.replace(/\s+/g, '')}`);
const ascii = (s: string): Buffer => Buffer.from(s, 'ascii');

describe('GB/T 32918.2-2016 / GM/T 0003.2-2012 Appendix A.2: Fp-256 example curve, ID ALICE123@YAHOO.COM', () => {
  const curve = sm2Domain({
    p: h('8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3'),
    a: h('787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498'),
    b: h('63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A'),
    Gx: h('421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D'),
    Gy: h('0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2'),
    n: h('8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7'),
  });
  const d = h('128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263');
  const k = h('6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 260DBAAE 1FB2F96F');
  const id = ascii('ALICE123@YAHOO.COM');
  const message = ascii('message digest');
  const P = curve.Point.BASE.multiply(d);

  test('the public key, Z_A, r and s of the standard are reproduced', () => {
    expect(P.toAffine()).toEqual({
      x: h('0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A'),
      y: h('7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857'),
    });
    expect(sm2Z(curve, id, P).toString('hex').toUpperCase()).toBe('F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A');
    expect(sm2SignWith(curve, d, message, id, k)).toEqual({
      r: h('40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1'),
      s: h('6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7'),
    });
  });

  test('the published signature verifies; another message, ID, r or s does not', () => {
    const r = h('40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1');
    const s = h('6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7');
    expect(sm2VerifyWith(curve, P, message, id, r, s)).toBe(true);
    expect(sm2VerifyWith(curve, P, ascii('message digesT'), id, r, s)).toBe(false);
    expect(sm2VerifyWith(curve, P, message, ascii('ALICE123@YAHOO.CN'), r, s)).toBe(false);
    expect(sm2VerifyWith(curve, P, message, id, r + 1n, s)).toBe(false);
    expect(sm2VerifyWith(curve, P, message, id, r, s - 1n)).toBe(false);
    expect(sm2VerifyWith(curve, P, message, id, 0n, s)).toBe(false);
    expect(sm2VerifyWith(curve, P, message, id, r, curve.n)).toBe(false);
  });

  test('random k: a fresh signature differs every time and verifies', () => {
    const a = sm2SignWith(curve, d, message, id);
    const b = sm2SignWith(curve, d, message, id);
    expect(a).not.toEqual(b);
    expect(sm2VerifyWith(curve, P, message, id, a.r, a.s)).toBe(true);
  });
});

describe('GB/T 32918.5-2017 / GM/T 0003.5-2012 Appendix A: the recommended curve, the default ID', () => {
  const curve = sm2Domain({
    p: h('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF'),
    a: h('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC'),
    b: h('28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93'),
    Gx: h('32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
    Gy: h('BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'),
    n: h('FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123'),
  });
  const d = h('3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
  const k = h('59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21');
  const message = ascii('message digest');
  const r = h('F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3');
  const s = h('B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA');
  const P = curve.Point.BASE.multiply(d);
  const der = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');

  test('Z, r and s of the standard are reproduced with ID 1234567812345678', () => {
    expect(SM2_DEFAULT_ID).toBe('1234567812345678');
    expect(P.toAffine()).toEqual({ x: h('09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020'), y: h('CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13') });
    expect(sm2Z(curve, ascii(SM2_DEFAULT_ID), P).toString('hex').toUpperCase()).toBe('B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3');
    expect(sm2SignWith(curve, d, message, ascii(SM2_DEFAULT_ID), k)).toEqual({ r, s });
  });

  test("the published (r, s) verifies through the gateway's SM2-SM3 with the key as Node PEM KeyObjects", () => {
    // SEC1 ECPrivateKey → PKCS#8 by Node, on the SM2 curve OID 1.2.156.10197.1.301.
    const sec1 = Buffer.concat([Buffer.from('30770201010420', 'hex'), der(d), Buffer.from('a00a06082a811ccf5501822da144034200', 'hex'), Buffer.from(P.toBytes(false))]);
    const privateKey = loadPrivateKey(createPrivateKey({ key: sec1, format: 'der', type: 'sec1' }).export({ type: 'pkcs8', format: 'pem' }));
    const publicKey = publicKeyOf(privateKey);
    const sig = Buffer.concat([Buffer.from('3046022100', 'hex'), der(r), Buffer.from('022100', 'hex'), der(s)]);
    expect(verify('SM2-SM3', message, sig, publicKey)).toBe(true);
    expect(verify('SM2-SM3-EMPTYID', message, sig, publicKey)).toBe(false);
    expect(verify('SM2-SM3', message, sign('SM2-SM3', message, privateKey), publicKey)).toBe(true);
    // Only exact DER: a BER long-form length or trailing byte is refused.
    expect(verify('SM2-SM3', message, Buffer.concat([sig, Buffer.from([0])]), publicKey)).toBe(false);
    const ber = Buffer.concat([Buffer.from('308146022100', 'hex'), der(r), Buffer.from('022100', 'hex'), der(s)]);
    expect(verify('SM2-SM3', message, ber, publicKey)).toBe(false);
  });
});
