/**
 * The exchange-station package: built and read back through the hardened XML gate;
 * refused when unsafe or malformed; an enveloped XMLDSig (RSA-SHA256, exclusive C14N)
 * that Debian's `xmlsec1 --verify` accepts, and that both xmlsec1 and our verifier refuse
 * after one changed character; weak algorithms (RSA-SHA1 / SHA-1) refused by ours.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SignedXml } from 'xml-crypto';
import { AdapterError } from '../../adapters/errors';
import { buildPackage, parsePackage, type StationPackage } from '../../adapters/docstation-xml/package';
import { signPackage, verifyPackageSignature, requireSignedPackage } from '../../adapters/docstation-xml/xmldsig';
import { openssl, scratchDir } from '../crypto/support';

const tmp = scratchDir('docstation');
afterAll(() => tmp.cleanup());

function xmlsec1(args: string[]): { code: number; out: string } {
  const r = spawnSync('xmlsec1', args, { cwd: tmp.dir, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

// The station's RSA key and self-signed certificate, made by openssl for this run only.
expect(openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'station.key.pem', '-out', 'station.cert.pem', '-subj', '/CN=xgw test station', '-days', '2'], tmp.dir).code).toBe(0);
expect(openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key.pem', '-out', 'other.cert.pem', '-subj', '/CN=someone else', '-days', '2'], tmp.dir).code).toBe(0);
const read = (f: string) => fs.readFileSync(path.join(tmp.dir, f), 'utf8');
const key = read('station.key.pem');
const cert = read('station.cert.pem');

const pkg: StationPackage = {
  id: '3f0c1c52-8d0e-4b59-a0f5-2f8f5b1d9c01',
  sender: { code: 'housing', name: '江州市住房和城乡建设局' },
  recipients: { main: ['tax', 'amr'], copy: ['hall'] },
  createdAt: '2026-06-01T10:00:00+08:00',
  metadata: {
    紧急程度: '特急',
    发文字号: '江住建〔2026〕1号',
    标题: '江州市住房和城乡建设局关于开展建筑工地扬尘专项检查的通知',
    文种: '通知',
    主送机关: ['国家税务总局江州市税务局', '江州市市场监督管理局'],
    成文日期: '2026-06-01',
    抄送机关: ['江州市政务服务大厅'],
  },
  body: '各有关单位：\n为做好扬尘治理 <重点> 工作 & 检查，现通知如下。',
  attachments: [{ name: '检查表.pdf', mediaType: 'application/pdf', size: 5242880, sm3: 'a'.repeat(64), sha256: 'b'.repeat(64) }],
  seal: { format: 'GB/T 38540-2020', sesSignature: Buffer.from('not a real seal here').toString('base64') },
};

describe('package XML', () => {
  test('builds and reads back the same package (Chinese names, escaped text, lists, attachments, seal)', () => {
    const xml = buildPackage(pkg);
    expect(xml).toContain('<交换包 xmlns="urn:xgw:docstation:package:1">');
    expect(xml).toContain('&lt;重点&gt; 工作 &amp; 检查');
    expect(parsePackage(xml)).toEqual(pkg);
  });

  test('a DOCTYPE, malformed XML or no 接收机关 is refused as GW_ERR_ADAPTER_INVALID_NATIVE', () => {
    const xml = buildPackage(pkg);
    const refused = (text: string) => {
      try {
        parsePackage(text);
      } catch (err) {
        return err instanceof AdapterError ? err.code : String(err);
      }
      return 'accepted';
    };
    expect(refused(xml.replace('<交换包', '<!DOCTYPE x [<!ENTITY e "boom">]><交换包'))).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(refused(xml.replace('</正文>', ''))).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    expect(refused(buildPackage({ ...pkg, recipients: { main: [], copy: [] } }))).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
    // one package per addressee: a 抄送 addressee's package names no 主送
    expect(refused(buildPackage({ ...pkg, recipients: { main: [], copy: ['hall'] } }))).toBe('accepted');
    expect(refused(xml.replace('a'.repeat(64), 'A'.repeat(64)))).toBe('GW_ERR_ADAPTER_INVALID_NATIVE');
  });

  test('text XML cannot carry is refused when building', () => {
    expect(() => buildPackage({ ...pkg, body: 'bad \u0001 char' })).toThrow(AdapterError);
  });
});

describe('enveloped XMLDSig', () => {
  const signed = signPackage(buildPackage(pkg), key, cert);

  test('xmlsec1 --verify accepts it with the station certificate; the signature is RSA-SHA256 + exclusive C14N over URI=""', () => {
    tmp.write('signed.xml', signed);
    const r = xmlsec1(['--verify', '--pubkey-cert-pem', 'station.cert.pem', '--enabled-key-data', 'rsa,x509', 'signed.xml']);
    expect(r).toMatchObject({ code: 0, out: expect.stringContaining('OK') });
    expect(signed).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(signed).toContain('<ds:Reference URI="">');
    expect(verifyPackageSignature(signed, cert)).toMatchObject({ ok: true });
    expect(parsePackage(signed)).toEqual(pkg);
  });

  test('one changed character: xmlsec1 and our verifier both refuse', () => {
    const changed = signed.replace('现通知如下', '现通知如上');
    tmp.write('changed.xml', changed);
    expect(xmlsec1(['--verify', '--pubkey-cert-pem', 'station.cert.pem', '--enabled-key-data', 'rsa,x509', 'changed.xml']).code).not.toBe(0);
    expect(verifyPackageSignature(changed, cert)).toEqual({ ok: false, reason: expect.stringContaining('does not verify') });
    expect(() => requireSignedPackage(changed, cert)).toThrow(AdapterError);
  });

  test('another key (even when its certificate rides in KeyInfo) is refused; only the station certificate counts', () => {
    const forged = signPackage(buildPackage(pkg), read('other.key.pem'), read('other.cert.pem'));
    expect(verifyPackageSignature(forged, cert)).toMatchObject({ ok: false });
  });

  test('RSA-SHA1 / SHA-1 signatures are refused (weak algorithms are not configured)', () => {
    const weak = new SignedXml({ privateKey: key, publicCert: cert, signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    weak.addReference({ xpath: '/*', digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1', transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], isEmptyUri: true });
    weak.computeSignature(buildPackage(pkg), { prefix: 'ds', location: { reference: '/*', action: 'append' } });
    const check = verifyPackageSignature(weak.getSignedXml(), cert);
    expect(check).toMatchObject({ ok: false });
  });

  test('a second signature, or a signature not under the root, is refused', () => {
    const twice = signPackage(signed, key, cert);
    expect(verifyPackageSignature(twice, cert)).toEqual({ ok: false, reason: '2 ds:Signature elements; exactly one is expected' });
  });
});
