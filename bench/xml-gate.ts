/**
 * BENCH_TARGETS=xml-gate: the gateway (child process) is sent the worst SOAP body of each
 * shape (bench/xml-shapes.ts, 1 MB, under the 2 MB limit) on its inbound endpoint
 * /soap/tax — refused by the XML gate before the UsernameToken is looked at — while a
 * /healthz request runs concurrently. Reports how long the refusal took and how long
 * /healthz waited: with a gate that is not linear, /healthz waited seconds to minutes.
 */
import { performance } from 'node:perf_hooks';
import { decodeXmlBody } from '../adapters/soap/encoding';
import { unreachableDemoAgencies } from '../gateway/registry/demo';
import { cleanups, startTarget } from './children';
import { prepareDb } from './db';
import { DATABASE_URL } from './settings';
import { f0, f1, markdownTable } from './table';
import { XML_SHAPES, envelopeAround } from './xml-shapes';

export interface XmlGateRow {
  shape: string;
  bodyBytes: number;
  refusalMs: number;
  healthzMs: number;
  answer: string;
}

export interface XmlGateResult {
  idleHealthzMs: number;
  rows: XmlGateRow[];
}

const BODY_BYTES = 1024 * 1024;
const ROUNDS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runXmlGateBench(): Promise<XmlGateResult> {
  const db = await prepareDb(DATABASE_URL, cleanups);
  const adapters = { ...unreachableDemoAgencies, tax: { ...unreachableDemoAgencies.tax, inbound: { ...unreachableDemoAgencies.tax.inbound, allowFrom: ['127.0.0.1', '::1'] } } };
  const t = await startTarget({ ...db.spec, adapters } as typeof db.spec);
  try {
    const healthz = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${t.url}/healthz`);
      await res.arrayBuffer();
      return performance.now() - t0;
    };
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push(await healthz());
    const rows: XmlGateRow[] = [];
    for (const [shape, make] of Object.entries(XML_SHAPES)) {
      const body = Buffer.from(envelopeAround(make(BODY_BYTES)));
      const refusal: number[] = [];
      const waited: number[] = [];
      let answer = '';
      for (let r = 0; r < ROUNDS; r++) {
        const t0 = performance.now();
        const hostile = fetch(`${t.url}/soap/tax`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body }).then(async (res) => {
          const text = decodeXmlBody(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type') ?? undefined); // (GBK)
          refusal.push(performance.now() - t0);
          return `${res.status} ${/GW_ERR_[A-Z_]+|身份认证失败/.exec(text)?.[0] ?? '?'}`;
        });
        waited.push(await healthz());
        answer = await hostile;
      }
      rows.push({ shape, bodyBytes: body.length, refusalMs: median(refusal), healthzMs: Math.max(...waited), answer });
    }
    return { idleHealthzMs: median(idle), rows };
  } finally {
    await t.stop('graceful');
  }
}

export function printXmlGate(r: XmlGateResult): void {
  console.log(`\nXML gate: the worst 1 MB SOAP body of each shape posted to /soap/tax (refused before the UsernameToken), ${ROUNDS} rounds, a /healthz request concurrent with each; /healthz alone: ${f1(r.idleHealthzMs)} ms (median)`);
  console.log(
    markdownTable(
      [
        ['body shape', 'KB', 'answered in ms (median)', '/healthz ms meanwhile (max)', 'answer'],
        ...r.rows.map((x) => [x.shape, f0(x.bodyBytes / 1024), f1(x.refusalMs), f1(x.healthzMs), x.answer]),
      ],
      (i) => i > 0 && i < 4,
    ),
  );
}
