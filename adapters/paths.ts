import fs from 'node:fs';
import path from 'node:path';

/**
 * The adapters' source folder (the one holding index.ts): this file's folder when run from
 * source (jest), or the source tree's adapters/ when run from dist/adapters, since tsc does
 * not copy WSDLs. Found by walking up from here.
 */
function sourceFolder(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [dir, path.join(dir, 'adapters')]) {
      if (fs.existsSync(path.join(candidate, 'index.ts')) && fs.existsSync(path.join(candidate, 'types.ts'))) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`adapters: no source folder (index.ts, types.ts) above ${__dirname}`);
  }
}

let folder: string | undefined;

/** A file shipped in an adapter's folder (WSDLs), from source or from dist/ alike. */
export const adapterFile = (adapter: string, file: string): string => path.join((folder ??= sourceFolder()), adapter, file);
