/**
 * What the mock agencies share: a real HTTP server on loopback around a soapRouter,
 * a record of what arrived, and scripted misbehaviour (slow answers, HTTP 503,
 * connection resets, faults) for the next N calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { MockTimers } from '../mock-timers';
import type { NativeObject } from '../types';
import type { SoapVersion, WireEncoding } from './encoding';
import { sendSoapFault } from './http-edge';
import type { SoapRequestContext, SoapRouter } from './server';
import { SoapClient, type SoapClientOptions } from './client';

/** One call that reached an operation handler of a mock. */
export interface ReceivedCall {
  operation: string;
  /** The request element exactly as it arrived (decoded text). */
  rawXml: string;
  /** Its children as parsed (strings). */
  args: NativeObject;
  /** The body bytes as they arrived on the wire (GBK for the tax mock). */
  rawBody: Buffer;
  contentType: string;
  username?: string;
  at: Date;
}

export interface MockBehaviour {
  /** Wait this long before answering (or failing). */
  delayMs?: number;
  /** Answer HTTP 503 with an HTML page, or cut the connection. */
  fail?: 'http-503' | 'reset' | null;
  /** Answer with this SOAP fault (code in the mock's SOAP version, e.g. Server or Receiver). */
  fault?: { code: string; reason: string; subcode?: string } | null;
  /** Answer HTTP 200 with exactly these bytes (a hostile or broken answer; programmatic only, not over HTTP). */
  raw?: { body: Buffer | string; contentType: string } | null;
  /** How many calls it applies to; default: all until reset(). */
  times?: number;
}

interface MockServer {
  url: string;
  wsdlUrl: string;
  received: ReceivedCall[];
  behave(b: MockBehaviour): void;
  /** Clears behaviour and received calls. */
  resetServer(): void;
  record(args: NativeObject, ctx: SoapRequestContext): void;
  close(): Promise<void>;
}

/** What is wrong with a behaviour sent over HTTP (null: nothing). */
function behaviourProblem(b: unknown): string | null {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'send a JSON object';
  const o = b as Record<string, unknown>;
  const known = ['delayMs', 'fail', 'fault', 'times'];
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) return `unknown keys: ${extra.join(', ')} (known: ${known.join(', ')})`;
  const int = (v: unknown, min: number, max: number) => v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max);
  if (!int(o.delayMs, 0, 600_000)) return 'delayMs: 0 to 600000';
  if (!int(o.times, 1, 1_000_000)) return 'times: a whole number from 1';
  if (o.fail !== undefined && o.fail !== null && o.fail !== 'http-503' && o.fail !== 'reset') return 'fail: "http-503", "reset" or null';
  const f = o.fault as Record<string, unknown> | null | undefined;
  if (f !== undefined && f !== null && (typeof f !== 'object' || typeof f.code !== 'string' || typeof f.reason !== 'string')) return 'fault: {"code": "Server", "reason": "…"}';
  return null;
}

export async function startMockServer(opts: {
  host?: string;
  port?: number;
  path: string;
  soapVersion: SoapVersion;
  encoding: WireEncoding;
  router: SoapRouter;
}): Promise<MockServer> {
  const received: ReceivedCall[] = [];
  let behaviour: MockBehaviour | null = null;
  let remaining: number | undefined;
  const timers = new MockTimers();

  const app = express();
  app.disable('x-powered-by');
  app.post(opts.path, async (req, res, next) => {
    const b = behaviour;
    if (!b) return next();
    if (remaining !== undefined && --remaining <= 0) behaviour = null;
    if (b.delayMs) await timers.sleep(b.delayMs);
    if (res.destroyed || req.socket.destroyed) return;
    if (b.fail === 'reset') {
      req.socket.destroy();
    } else if (b.fail === 'http-503') {
      res.status(503).set('Connection', 'close').type('text/html').send('<html><body><h1>503 Service Unavailable</h1></body></html>');
    } else if (b.fault) {
      sendSoapFault(res, opts.soapVersion, opts.encoding, b.fault);
    } else if (b.raw) {
      res.status(200).set('Content-Type', b.raw.contentType).end(b.raw.body);
    } else {
      next();
    }
  });
  // Scripted misbehaviour over HTTP too, for people trying the demo with curl:
  // PUT <path>/_behaviour {"delayMs":3000} | {"fail":"http-503","times":5} | {"fault":{"code":"Server","reason":"…"}}; DELETE to end it.
  app.put(`${opts.path}/_behaviour`, express.json({ limit: '4kb' }), (req, res) => {
    const problem = behaviourProblem(req.body);
    if (problem) return void res.status(400).json({ error: problem });
    behaviour = req.body as MockBehaviour;
    remaining = behaviour.times;
    res.json({ behaviour });
  });
  app.delete(`${opts.path}/_behaviour`, (_req, res) => {
    behaviour = null;
    remaining = undefined;
    res.status(204).end();
  });
  app.use(opts.path, opts.router);
  await opts.router.ready;

  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}${opts.path}`;

  return {
    url,
    wsdlUrl: `${url}?wsdl`,
    received,
    behave(b) {
      behaviour = b;
      remaining = b.times;
    },
    resetServer() {
      behaviour = null;
      remaining = undefined;
      received.length = 0;
    },
    record(args, ctx) {
      received.push({ operation: ctx.operation, rawXml: ctx.requestXml, args, rawBody: ctx.rawBody, contentType: ctx.contentType, username: ctx.username, at: new Date() });
    },
    async close() {
      timers.cancelAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The SOAP clients a mock agency uses to report to a gateway, one per (URL, timeout,
 * UsernameToken), created on first use and closed with the mock.
 */
export function reportClients(base: Omit<SoapClientOptions, 'endpoint' | 'timeoutMs' | 'usernameToken'>) {
  const clients = new Map<string, Promise<SoapClient>>();
  return {
    get(endpoint: string, timeoutMs: number, usernameToken: { username: string; password: string } | null = null): Promise<SoapClient> {
      const key = JSON.stringify([endpoint, timeoutMs, usernameToken]);
      let c = clients.get(key);
      if (!c) {
        c = SoapClient.create({ ...base, endpoint, timeoutMs, ...(usernameToken ? { usernameToken } : {}) });
        c.catch(() => clients.delete(key));
        clients.set(key, c);
      }
      return c;
    },
    async closeAll(): Promise<void> {
      for (const c of clients.values()) (await c.catch(() => null))?.close();
    },
  };
}
