import { Router } from 'express';
import type { GatewayDeps } from '../deps';

// Replaced by the OpenAPI builder (see gateway/http/openapi.ts) — minimal for now.
export function docsRoutes(_deps: GatewayDeps): Router {
  return Router();
}
