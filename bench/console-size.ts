import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * What a browser fetches on the first load of /console/ (the login page): index.html and
 * the scripts, style sheets and module preloads it names, each gzip-compressed as the
 * gateway sends it (web/build.mjs writes the .gz files). Route screens load later, on demand.
 */
export interface ConsoleSize {
  firstLoad: { file: string; bytes: number; gzip: number }[];
  firstLoadGzip: number;
  allAssetsGzip: number;
}

const gz = (body: Buffer) => zlib.gzipSync(body, { level: 9 }).length;

export function consoleSize(dist: string): ConsoleSize {
  const html = fs.readFileSync(path.join(dist, 'index.html'));
  const named = [...html.toString('utf8').matchAll(/(?:src|href)="\/console\/([^"]+)"/g)].map((m) => m[1]).filter((f) => f.startsWith('assets/'));
  const firstLoad = [{ file: 'index.html', bytes: html.length, gzip: gz(html) }].concat(
    [...new Set(named)].map((f) => {
      const body = fs.readFileSync(path.join(dist, f));
      return { file: f, bytes: body.length, gzip: gz(body) };
    }),
  );
  const assets = fs.readdirSync(path.join(dist, 'assets')).filter((f) => !f.endsWith('.gz'));
  return {
    firstLoad,
    firstLoadGzip: firstLoad.reduce((s, f) => s + f.gzip, 0),
    allAssetsGzip: assets.reduce((s, f) => s + gz(fs.readFileSync(path.join(dist, 'assets', f))), 0),
  };
}
