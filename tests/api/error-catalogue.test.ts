import fs from 'node:fs';
import path from 'node:path';
import { catalogue } from '../../gateway/errors';

const root = path.join(__dirname, '../..');
const sources = (dir: string, ext = /\.ts$/): string[] =>
  fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(rel, ext);
    return ext.test(e.name) ? [rel] : [];
  });
const text = (files: string[]) => files.map((f) => fs.readFileSync(path.join(root, f), 'utf8')).join('\n');
const codes = Object.keys(catalogue);

describe('the error catalogue holds only codes the gateway answers with', () => {
  const product = text([...sources('gateway'), ...sources('adapters'), ...sources('certs')].filter((f) => f !== path.join('gateway', 'errors.ts')));
  const tests = text(sources('tests').filter((f) => !f.endsWith('error-catalogue.test.ts')));

  test('every code is raised somewhere in the product', () => {
    expect(codes.filter((code) => !product.includes(`'${code}'`))).toEqual([]);
  });
  test('every code is exercised by a test', () => {
    expect(codes.filter((code) => !tests.includes(code))).toEqual([]);
  });
});
