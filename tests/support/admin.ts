import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig, type GatewayConfig } from '../../gateway/config';
import { createGateway, type Gateway } from '../../gateway/gateway';
import { ManualClock } from '../../gateway/clock';
import { newSecret } from '../../gateway/ids';
import type { Store } from '../../gateway/store/db';
import { openPostgres } from '../../gateway/store/postgres';
import { createTestDatabase, type TestDatabase } from './db';
import { discardLogs } from './gateway';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** fetch with JSON in and out against a base URL. */
export async function callJson(base: string, method: string, route: string, o: { token?: string; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + route, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export interface EmptyGateway {
  gw: Gateway;
  url: string;
  db: TestDatabase;
  config: Readonly<GatewayConfig>;
  /** This process's local admin credential (what the CLI on the machine uses). */
  localAdmin: string;
  call(method: string, route: string, o?: { token?: string; body?: unknown }): Promise<Reply>;
  /** Another gateway process on the same database (its own pool on PostgreSQL; on PGlite the one store) and PKI directory. */
  second(): Promise<{ gw: Gateway; url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * A gateway on an empty, non-demo database (no member, no user, no agreement): what a
 * city starts from. Registry administration fills it through the admin API.
 */
export async function startEmptyGateway(opts: { config?: Record<string, unknown> } = {}): Promise<EmptyGateway> {
  const db = await createTestDatabase();
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-pki-'));
  const config = buildConfig({ demo: false, logLevel: 'info', host: '127.0.0.1', port: 0, ...opts.config, trust: { pkiDir }, supervision: { enabled: false } });
  const clock = new ManualClock();
  const make = (store: Store) => createGateway(config, { clock, store, logDestination: discardLogs(), processMetrics: false, startDelivery: false, startIntegrator: false });
  const gw = await make(db.store);
  const url = await gw.listen(0);
  const localAdmin = newSecret('xgl');
  gw.deps.auth.setLocalAdmin(localAdmin);
  return {
    gw,
    url,
    db,
    config,
    localAdmin,
    call: (method, route, o) => callJson(url, method, route, o),
    async second() {
      const store = db.url ? openPostgres(db.url, { max: 4 }) : db.store;
      const other = await make(store);
      const otherUrl = await other.listen(0);
      return {
        gw: other,
        url: otherUrl,
        async close() {
          await other.close();
          if (store !== db.store) await store.close();
        },
      };
    },
    async close() {
      await gw.close();
      await db.drop();
      fs.rmSync(pkiDir, { recursive: true, force: true });
    },
  };
}
