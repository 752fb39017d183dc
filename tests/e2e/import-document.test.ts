/**
 * The real `xgw import-document <file>` in a child process (dist/ built once by the global
 * setup): the sample 公文 as JSON with its found/missing report, UTF-8 or GBK files
 * detected strictly, classified documents refused with the catalogue code and exit 1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { buildDist, runXgw, xgwBin } from '../support/cli';
import { projectRoot } from '../../gateway/schemas/paths';
import { importDocument } from '../../gateway/documents/importer';

jest.setTimeout(120_000);

const samplesDir = path.join(projectRoot(), '..', 'shared', 'samples');
const env = { XGW_CONFIG: '', XGW_LOG_LEVEL: 'warn' };
let dir: string;

beforeAll(() => {
  buildDist();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-import-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Buffer | string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

test.each(fs.readdirSync(samplesDir).sort())('%s: the parsed document as JSON, exit 0', (name) => {
  const file = path.join(samplesDir, name);
  const r = runXgw(['import-document', file, '--json'], env);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ ...JSON.parse(JSON.stringify(importDocument(fs.readFileSync(file, 'utf8')))), encoding: 'utf-8' });
});

test('a GBK file is detected and reads the same; the summary names found and missing elements', () => {
  const text = fs.readFileSync(path.join(samplesDir, 'notice-simplified.txt'), 'utf8');
  const file = write('notice-gbk.txt', iconv.encode(text, 'gbk'));
  const r = spawnSync(process.execPath, [xgwBin, 'import-document', file], { env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.encoding).toBe('gbk');
  expect(out.document).toEqual(JSON.parse(JSON.stringify(importDocument(text).document)));
  expect(r.stderr).toContain('found (14): 紧急程度 urgency, 发文机关标志 issuerMark, 发文字号 documentNumber');
  expect(r.stderr).toContain('missing (5): 份号 copyNumber, 密级和保密期限 secrecy, 签发人 signers, 附件 attachments, 印章 seals');
});

test('a classified document: exit 1, GW_ERR_DOCUMENT_CLASSIFIED, nothing printed on stdout', () => {
  const file = write('secret.txt', `秘密★1年\n${fs.readFileSync(path.join(samplesDir, 'letter-simplified.txt'), 'utf8')}`);
  const r = runXgw(['import-document', file], env);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^xgw: GW_ERR_DOCUMENT_CLASSIFIED: .*秘密★1年/);
});

test('bytes that are neither UTF-8 nor GBK: exit 1, GW_ERR_DOCUMENT_ENCODING', () => {
  const file = write('garbage.txt', Buffer.from([0xe6, 0xb1, 0x9f, 0x81, 0x20, 0xff, 0xfe]));
  const r = runXgw(['import-document', file], env);
  expect([r.status, r.stdout]).toEqual([1, '']);
  expect(r.stderr).toMatch(/^xgw: GW_ERR_DOCUMENT_ENCODING: /);
});
