import { createHash } from 'node:crypto';
import type { Adapter, DeliveryAttempt, OutboundMessage } from '../types';
import { AdapterError } from '../errors';
import { parseAnswer } from './answer';
import { verifyPackageSignature } from './xmldsig';

/**
 * Agencies reached through the municipal exchange station (市电子公文交换站): a member whose
 * adapter is `docstation-xml` is an external addressee of 公文. The gateway builds and signs
 * the package itself when the document is distributed (gateway/documents/station-out.ts) and
 * stores it as the message's converted form; this transport POSTs those exact bytes to the
 * station (`endpoint`, its POST /packages) and reads the station's answer. A 回执 or a 回退
 * naming this package (包标识 and the SHA-256 of the bytes sent) settles the delivery (the
 * outbox's 'delivered', the answer recorded with it); anything else (HTTP error, timeout, an
 * unreadable or foreign answer, or — with `stationCertificate` configured — an answer without
 * the station's valid XML signature) is a failed attempt the outbox retries with backoff.
 */
export const STATION_OPERATION = 'SubmitPackage';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** The station's package endpoint, e.g. http://127.0.0.1:8083/packages. */
    endpoint: { type: 'string', format: 'uri', pattern: '^https?://' },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 600_000 },
    /** Where the station serves the attachments of the packages it delivers, by SHA-256 (default: attachments/ beside the endpoint). */
    attachmentsEndpoint: { type: 'string', format: 'uri', pattern: '^https?://' },
    /** The longest an attachment download may take, whole transfer (default 5 minutes). */
    attachmentTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
    /** The station's certificate (PEM): when set, its answers must carry its XML signature, and only the signed part is read. */
    stationCertificate: { type: 'string', minLength: 1, pattern: '-----BEGIN CERTIFICATE-----' },
  },
};

interface StationTarget {
  endpoint?: string;
  attachmentsEndpoint?: string;
  stationCertificate?: string;
}

/**
 * The bytes of an attachment of an inbound package, fetched from the station by SHA-256
 * (GET <attachmentsEndpoint><sha256>): the response body as it arrives, never held whole.
 * The caller checks size and digests while it stores them. The timeout covers the whole
 * transfer. Failures are AdapterErrors: GW_ERR_ADAPTER_INVALID_NATIVE when the station does
 * not hold it (404), GW_ERR_AGENCY_UNAVAILABLE otherwise (unreachable, an error, too slow).
 */
export async function fetchStationAttachment(config: Record<string, unknown>, sha256: string): Promise<AsyncIterable<Uint8Array>> {
  const { endpoint, attachmentsEndpoint } = config as StationTarget;
  const timeoutMs = (config.attachmentTimeoutMs as number | undefined) ?? 300_000;
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', 'an attachment is fetched by its SHA-256 in lowercase hex');
  const base = attachmentsEndpoint ?? (endpoint ? new URL('attachments/', endpoint).href : undefined);
  if (!base) throw new AdapterError('GW_ERR_AGENCY_UNAVAILABLE', 'no exchange-station endpoint configured to fetch attachments from');
  const unavailable = (why: string) => new AdapterError('GW_ERR_AGENCY_UNAVAILABLE', `the station's attachment ${sha256}: ${why}`);
  let res: Response;
  try {
    res = await fetch(`${base}${sha256}`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw unavailable(e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : e.cause?.code ?? e.message);
  }
  if (res.status === 404) throw new AdapterError('GW_ERR_ADAPTER_INVALID_NATIVE', `the station holds no attachment ${sha256}`);
  if (!res.ok || !res.body) throw unavailable(`HTTP ${res.status}`);
  const body = res.body;
  return (async function* () {
    try {
      for await (const piece of body) yield piece;
    } catch (err) {
      const e = err as Error;
      throw unavailable(e.name === 'TimeoutError' || e.name === 'AbortError' ? `timeout after ${timeoutMs} ms (transfer)` : e.message);
    }
  })();
}

/** The answer's text to read: with a station certificate configured, the signed canonical part only. */
function answerText(text: string, stationCertificate: string | undefined): string {
  if (!stationCertificate) return text;
  const check = verifyPackageSignature(text, stationCertificate);
  if (!check.ok) throw new AdapterError('GW_ERR_AGENCY_INVALID_ANSWER', `the station's answer is not signed by the station: ${check.reason}`);
  return check.signedXml;
}

async function postPackage({ endpoint, stationCertificate }: StationTarget, m: OutboundMessage, attempt: number, timeoutMs: number): Promise<DeliveryAttempt> {
  const started = Date.now();
  const xml = m.conversion?.native.operation === STATION_OPERATION ? m.conversion.native.text : undefined;
  if (!xml) return { ok: false, retryable: false, error: `message ${m.id} carries no exchange-station package`, durationMs: 0 };
  if (!endpoint) return { ok: false, error: `no exchange-station endpoint configured (adapters.${m.to}.endpoint)`, durationMs: 0 };
  const bytes = Buffer.from(xml, 'utf8');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/xml; charset=utf-8', 'x-xgw-delivery-attempt': String(attempt) },
      body: bytes,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const text = await res.text();
    const durationMs = Date.now() - started;
    if (!res.ok) return { ok: false, httpStatus: res.status, error: `HTTP ${res.status}`, durationMs };
    const answer = parseAnswer(answerText(text, stationCertificate));
    if (answer.packageId !== m.messageId || answer.packageSha256 !== sha256) {
      return { ok: false, httpStatus: res.status, error: `the station's ${answer.kind} names another package (${answer.packageId})`, durationMs };
    }
    return { ok: true, httpStatus: res.status, durationMs, answer: { ...answer } };
  } catch (err) {
    const durationMs = Date.now() - started;
    if (err instanceof AdapterError) return { ok: false, error: err.detail, durationMs };
    const e = err as Error & { cause?: { code?: string } };
    const timedOut = e.name === 'TimeoutError';
    return { ok: false, error: timedOut ? `timeout after ${timeoutMs} ms` : e.cause?.code ?? e.message, durationMs, maybeDelivered: timedOut };
  }
}

export const docstationXml: Adapter = {
  name: 'docstation-xml',
  version: '1.0.0',
  title: '市电子公文交换站 (XML 交换包)',
  mappingVersion: 'package-1',
  configSchema,
  delivers: ['official-document', 'document-answer'],
  // The package is built and signed by the gateway when the document is distributed.
  toReceiver: () => null,
  services: [],
  bind(ctx) {
    if (ctx.member.deliveryMode !== 'push') throw new Error(`member ${ctx.member.code}: agencies reached through the exchange station take push delivery`);
    const timeoutMs = (ctx.config.timeoutMs as number | undefined) ?? ctx.requestTimeoutMs;
    return {
      deliver: (m, attempt) => postPackage(ctx.config as StationTarget, m, attempt, timeoutMs),
      leaseMs: () => timeoutMs + 1000,
      circuit: () => null,
      close: async () => undefined,
    };
  },
};
