import * as fs from 'node:fs';
import * as path from 'node:path';

let cachedRoot: string | undefined;

/**
 * The project root: the first directory, walking up from this file's directory, that holds a
 * package.json whose name is "xgw". Works from source (gateway/schemas, e.g. under jest) and
 * from compiled output (dist/gateway/schemas). Throws if no such directory exists.
 */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pkgFile = path.join(dir, 'package.json');
    if (fs.existsSync(pkgFile)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: unknown };
        if (pkg.name === 'xgw') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // unreadable or invalid package.json: keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`projectRoot: no package.json named "xgw" above ${__dirname}`);
    dir = parent;
  }
}

/** Directory holding the message-type JSON Schemas (`<root>/schemas`). */
export function schemasDir(): string {
  return path.join(projectRoot(), 'schemas');
}

let cachedVersion: string | undefined;
/** The package's version (the OpenAPI info.version, `xgw --version`). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}
