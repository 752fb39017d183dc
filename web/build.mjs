// Builds the web console (web/ → web/dist) unless the output is newer than every source:
// type-check (vue-tsc; a type error fails the build), Vite build, then name.gz beside each larger
// script and style sheet (served as is by gateway/http/console.ts). `npm start` and the test setup run it.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(web);
const dist = path.join(web, 'dist');
const stamp = path.join(dist, '.built');
const require = createRequire(import.meta.url);

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

const sources = ['src', 'index.html', 'vite.config.mts', 'tsconfig.json', 'build.mjs'].map((f) => path.join(web, f)).concat(path.join(root, 'package-lock.json'));
const force = process.argv.includes('--force');
if (!force && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= Math.max(...sources.map(newest))) {
  if (!process.argv.includes('--quiet')) console.log('console: web/dist is up to date (skipping the build)');
  process.exit(0);
}
console.log('console: building the web console (web/ → web/dist, Vite)…');
const started = Date.now();
try {
  execFileSync(process.execPath, [require.resolve('vue-tsc/bin/vue-tsc.js'), '--noEmit', '-p', path.join(web, 'tsconfig.json')], { stdio: 'inherit', cwd: root });
} catch {
  console.error('console: type errors in web/ (see above); not built');
  process.exit(1);
}
const { build } = await import('vite');
await build({ configFile: path.join(web, 'vite.config.mts'), logLevel: 'warn' });
let raw = 0;
let gz = 0;
const assets = path.join(dist, 'assets');
for (const f of fs.readdirSync(assets)) {
  const file = path.join(assets, f);
  const body = fs.readFileSync(file);
  raw += body.length;
  if (/\.(js|css)$/.test(f) && body.length > 1024) {
    const z = zlib.gzipSync(body, { level: 9 });
    fs.writeFileSync(`${file}.gz`, z);
    gz += z.length;
  } else gz += body.length;
}
fs.writeFileSync(stamp, new Date().toISOString());
console.log(`console: built in ${((Date.now() - started) / 1000).toFixed(1)} s, assets ${(raw / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzip)`);
