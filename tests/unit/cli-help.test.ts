/** Every `xgw` command and option says what it is for (xgw --help and each command's --help); --version answers. */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { buildCli } from '../../gateway/cli/main';

const walk = (c: Command, prefix = ''): { path: string; command: Command }[] => {
  const here = prefix ? `${prefix} ${c.name()}` : c.name();
  return [{ path: here, command: c }, ...c.commands.flatMap((sub) => walk(sub, here))];
};

test('every command and every option has a description', () => {
  const all = walk(buildCli());
  expect(all.length).toBeGreaterThan(40);
  const missing = all.flatMap(({ path: p, command }) => [
    ...(command.description() ? [] : [p]),
    ...command.options.filter((o) => !o.description).map((o) => `${p} ${o.flags}`),
  ]);
  expect(missing).toEqual([]);
});

test('xgw --version prints the package version', () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  let out = '';
  const program = buildCli().exitOverride().configureOutput({ writeOut: (s) => void (out += s) });
  expect(() => program.parse(['node', 'xgw', '--version'])).toThrow(version);
  expect(out.trim()).toBe(version);
});
