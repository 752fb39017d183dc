#!/usr/bin/env node
// The xgw command. Runs the compiled CLI; builds it first when dist/ is missing or stale.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'gateway', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  const { execFileSync } = require('node:child_process');
  process.stderr.write('xgw: building (first run)…\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
require(entry).main(process.argv).catch((err) => {
  process.stderr.write(`xgw: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
