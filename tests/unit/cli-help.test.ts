/** Every `xgw` command and option says what it is for (xgw --help and each command's --help); --version answers. */
import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { buildCli, commandModules } from '../../gateway/cli/main';

const walk = (c: Command, prefix = ''): { path: string; command: Command }[] => {
  const here = prefix ? `${prefix} ${c.name()}` : c.name();
  return [{ path: here, command: c }, ...c.commands.flatMap((sub) => walk(sub, here))];
};

test('every command and every option has a description', async () => {
  const all = walk(await buildCli());
  expect(all.length).toBeGreaterThan(40);
  const missing = all.flatMap(({ path: p, command }) => [
    ...(command.description() ? [] : [p]),
    ...command.options.filter((o) => !o.description).map((o) => `${p} ${o.flags}`),
  ]);
  expect(missing).toEqual([]);
});

test('xgw --version prints the package version', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  let out = '';
  const program = (await buildCli(['node', 'xgw', '--version'])).exitOverride().configureOutput({ writeOut: (s) => void (out += s) });
  expect(() => program.parse(['node', 'xgw', '--version'])).toThrow(version);
  expect(out.trim()).toBe(version);
});

test('a command line loads only its own modules, and they register the whole command: the table in cli/main.ts matches what each module registers', async () => {
  const full = await buildCli();
  const tree = (c: Command) => walk(c).map((n) => `${n.path} ${n.command.options.map((o) => o.flags).join(' ')}`);
  const topLevel = full.commands.map((c) => c.name());
  expect(new Set(commandModules.flatMap((m) => m.commands))).toEqual(new Set(topLevel));
  for (const m of commandModules) {
    const alone = new Command('xgw');
    (await m.load())(alone);
    expect({ module: m.commands, registers: alone.commands.map((c) => c.name()) }).toEqual({ module: m.commands, registers: m.commands });
  }
  for (const name of topLevel) {
    const partial = await buildCli(['node', 'xgw', name]);
    expect(partial.commands.map((c) => c.name())).toContain(name);
    expect(tree(partial.commands.find((c) => c.name() === name)!)).toEqual(tree(full.commands.find((c) => c.name() === name)!));
  }
});
