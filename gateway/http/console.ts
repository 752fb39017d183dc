import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../schemas/paths';
import express, { Router, type NextFunction, type Request, type Response } from 'express';

/**
 * The web console (web/, built by Vite into web/dist): static files at /console/,
 * `/` redirects there. Hashed assets (/console/assets/*) are cached for a year;
 * index.html is revalidated on every load, and every console route that is not a
 * file gets it (the single-page app's own router takes over). The policy allows
 * this origin only: no CDN, no inline script; Element Plus and ECharts set inline
 * style attributes (style-src-attr), never inline <style> elements or scripts.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_PATH = '/console/';

/** <project root>/web/dist, when the console has been built. */
export function consoleDir(): string | null {
  const dir = path.join(projectRoot(), 'web', 'dist');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

export function consoleRoutes(dir: string | null = consoleDir()): Router {
  const r = Router();
  r.get('/', (_req, res) => res.redirect(302, CONSOLE_PATH));
  // Routing is not strict: '/console' also matches '/console/', which is the page itself.
  r.get('/console', (req, res, next) => (req.path === '/console' ? res.redirect(301, CONSOLE_PATH) : next()));
  if (!dir) return r; // not built: /console/ answers 404 (npm start and the test setup build it)

  const headers = (res: Response) => res.set('Content-Security-Policy', CONSOLE_CSP).set('X-Content-Type-Options', 'nosniff');
  const assetDir = path.join(dir, 'assets');
  const assets = express.static(assetDir, { index: false, redirect: false, dotfiles: 'deny', fallthrough: false, immutable: true, maxAge: '365d' });
  // The build writes name.gz beside each larger script and style sheet (web/build.mjs): sent as is to browsers that take gzip.
  const gzipped = new Set(fs.existsSync(assetDir) ? fs.readdirSync(assetDir).filter((f) => f.endsWith('.gz')).map((f) => f.slice(0, -3)) : []);
  r.use('/console/assets', (req: Request, res: Response, next: NextFunction) => {
    headers(res);
    const name = req.path.slice(1);
    if (gzipped.has(name) && (req.method === 'GET' || req.method === 'HEAD')) {
      res.vary('Accept-Encoding');
      if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
        res.set('Content-Encoding', 'gzip').set('Cache-Control', 'public, max-age=31536000, immutable').type(path.extname(name));
        return void res.sendFile(path.join(assetDir, `${name}.gz`));
      }
    }
    assets(req, res, (err?: unknown) => (err && (err as { status?: number }).status !== 404 ? next(err) : next()));
  });
  const index = path.join(dir, 'index.html');
  const files = new Set(fs.readdirSync(dir).filter((f) => f !== 'index.html' && fs.statSync(path.join(dir, f)).isFile()));
  r.get(/^\/console\/(.*)$/, (req, res) => {
    headers(res);
    const name = req.path.slice(CONSOLE_PATH.length);
    if (files.has(name)) return void res.set('Cache-Control', 'public, max-age=3600').sendFile(path.join(dir, name));
    if (name.startsWith('assets/')) return void res.status(404).type('text/plain').send('not found');
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return r;
}
