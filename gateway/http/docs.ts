import * as path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { OPENAPI_PATH } from './openapi';
import getAbsoluteFSPath = require('swagger-ui-dist/absolute-path');

/** swagger-ui-dist's files that the page uses; nothing else of the package is served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-bundle.js.map', 'swagger-ui.css.map', 'favicon-32x32.png', 'favicon-16x16.png']);

/**
 * Only 'self': no CDN, no inline scripts (the initialiser is /docs/init.js). Swagger UI sets
 * inline styles and uses data: URIs for its icons; it fetches the document from this origin.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>xgw API 文档</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <noscript>Swagger UI needs JavaScript. The document itself: <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a></noscript>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js" charset="utf-8"></script>
  <script src="/docs/init.js" charset="utf-8"></script>
</body>
</html>
`;

const INIT = `'use strict';
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_PATH)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    persistAuthorization: false
  });
});
`;

/**
 * swagger-ui-dist's directory. Its `absolute-path` module is the package's getAbsoluteFSPath without
 * the package main, which would evaluate the 1.5 MB browser bundle inside the gateway process.
 */
function swaggerUiDir(): string {
  return getAbsoluteFSPath();
}

/** GET /api/v1/openapi.json (public; the document is built once per app) and the Swagger UI page at /docs. */
export function docsRoutes(openapi: object): Router {
  const r = Router();
  const doc = JSON.stringify(openapi);

  r.get(OPENAPI_PATH, (_req, res) => {
    res.type('application/json').set('Cache-Control', 'no-cache').send(doc);
  });

  r.get('/docs', (_req, res) => {
    res
      .set('Content-Security-Policy', DOCS_CSP)
      .set('X-Content-Type-Options', 'nosniff')
      .set('Referrer-Policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(PAGE);
  });

  r.get('/docs/init.js', (_req, res) => {
    res.set('X-Content-Type-Options', 'nosniff').type('application/javascript; charset=utf-8').send(INIT);
  });

  const assets = express.static(swaggerUiDir(), { index: false, redirect: false, dotfiles: 'deny', fallthrough: true, maxAge: '1h' });
  r.use('/docs/assets', (req: Request, res: Response, next: NextFunction) => {
    if (!ASSETS.has(path.posix.basename(req.path)) || path.posix.dirname(req.path) !== '/') return next();
    res.set('X-Content-Type-Options', 'nosniff');
    assets(req, res, next);
  });
  return r;
}
