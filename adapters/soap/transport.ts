/**
 * The HTTP leg of a SOAP call, plugged into node-soap as its `httpClient`.
 *
 * node-soap builds the envelope (WSDL operation, SOAPAction, SOAP 1.2 headers,
 * WS-Security) and would send it with axios as UTF-8. This transport sends it
 * instead: re-declared and encoded in the agency's charset (GBK), with a hard
 * deadline, a response size cap and an AbortSignal; it decodes the answer by its
 * declared charset and checks it (assertSafeXml via parseEnvelope) before node-soap
 * parses anything. Every outcome is classified here into an AgencyError and
 * recorded on the per-call WireExchange that SoapClient reads.
 */
import type http from 'node:http';
import type { IHttpClient } from 'soap';
import type { Dispatcher } from 'undici';
import { deadlineAgent } from '../http-agent';
import { SoapVersion, WireEncoding, decodeXmlBody, encodeXmlBody, soapContentType } from './encoding';
import { ParsedEnvelope, parseEnvelope } from './envelope';
import { AgencyError, describeFault } from './errors';
import { XmlLimits, assertSafeXml } from './safe-xml';

interface TransportOptions {
  soapVersion: SoapVersion;
  encoding: WireEncoding;
  timeoutMs: number;
  maxResponseBytes: number;
  limits: XmlLimits;
}

/** One call on the wire, as SoapClient sees it afterwards. */
export interface WireExchange {
  signal?: AbortSignal;
  rawRequest?: string;
  requestBytes?: Buffer;
  requestHeaders?: Record<string, string>;
  status?: number;
  responseHeaders?: http.IncomingHttpHeaders;
  responseBytes?: Buffer;
  rawResponse?: string;
  envelope?: ParsedEnvelope;
  error?: AgencyError;
  /** Called if node-soap throws while handling our callback (so the call still ends). */
  abandon?: (e: unknown) => void;
}

interface WireResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed without an answer',
  UND_ERR_CLOSED: 'connection closed without an answer',
};

/**
 * What node-soap's callback gets for an answer this transport has read (exchange.envelope set): an
 * "error" only in node-soap's terms, so that it hands the call back without parsing the body itself.
 */
export const ANSWER_READ_BY_TRANSPORT: unique symbol = Symbol('xgw: answer read by the transport');

export class SoapHttpTransport implements IHttpClient {
  /**
   * undici's connection pools (keep-alive; sockets idle longer than 4 s are closed).
   * Its dispatch API costs about half the CPU of node:http's request per call (≈ 50
   * against ≈ 95 µs for a 1.3 KB request and answer). The call's deadline (timeoutMs, or the
   * caller's signal) covers connecting, waiting and reading (see deadlineAgent).
   */
  private readonly agent = deadlineAgent();

  constructor(private readonly opts: TransportOptions) {}

  /** node-soap's entry point: `data` is the envelope text node-soap built (null: fetch a WSDL by URL). */
  request(url: string, data: string | null, callback: (error: unknown, res?: unknown, body?: unknown) => unknown, exheaders?: Record<string, string>, exoptions?: Record<string, unknown>): never {
    if (data === null) return this.fetchWsdl(url, callback);
    const exchange = (exoptions?.xgwExchange as WireExchange | undefined) ?? {};
    const { text, bytes } = encodeXmlBody(data, this.opts.encoding);
    const action = this.opts.soapVersion === '1.2'
      ? /action="([^"]*)"/.exec(exheaders?.['Content-Type'] ?? '')?.[1]
      : exheaders?.SOAPAction;
    const headers: Record<string, string> = {
      'Content-Type': soapContentType(this.opts.soapVersion, this.opts.encoding, this.opts.soapVersion === '1.2' ? action : undefined),
      Accept: this.opts.soapVersion === '1.2' ? 'application/soap+xml, text/xml' : 'text/xml, application/soap+xml',
      'Content-Length': String(bytes.length),
      ...(this.opts.soapVersion === '1.1' ? { SOAPAction: action ?? '""' } : {}),
    };
    Object.assign(exchange, { rawRequest: text, requestBytes: bytes, requestHeaders: headers });

    const done = this.send('POST', url, bytes, headers, exchange.signal).then(
      (res) => this.classify(res, exchange),
      (e: unknown) => {
        exchange.error = e instanceof AgencyError ? e : new AgencyError('unavailable', 'the call failed before an answer arrived');
      },
    );
    void done.then(() => {
      try {
        if (exchange.error) {
          exchange.error.rawRequest = exchange.rawRequest;
          exchange.error.rawResponse = exchange.rawResponse;
          callback(exchange.error);
        } else {
          // The answer was read once, above (parseEnvelope: limits, faults, the body), and that is what
          // SoapClient.invoke returns. node-soap would parse it again (sax → objects, ≈ 9 % of a service
          // call's CPU) into a result nobody reads, so it is told the exchange is over instead.
          callback(ANSWER_READ_BY_TRANSPORT);
        }
      } catch (e) {
        exchange.abandon?.(e); // node-soap threw instead of calling back: the caller must not wait forever
      }
    });
    return done as never;
  }

  /** Decodes, checks and reads the answer; sets exchange.envelope or exchange.error. */
  private classify(res: WireResponse, exchange: WireExchange): void {
    exchange.status = res.status;
    exchange.responseHeaders = res.headers;
    exchange.responseBytes = res.body;
    const httpError = res.status >= 400;
    const failed = (why: string): AgencyError =>
      httpError
        ? new AgencyError('unavailable', `answered HTTP ${res.status}${res.body.length ? '' : ' with an empty body'}`, { httpStatus: res.status })
        : new AgencyError('invalid', why, { httpStatus: res.status });
    let text: string;
    try {
      text = decodeXmlBody(res.body, res.headers['content-type'], this.opts.encoding);
    } catch (e) {
      exchange.error = failed((e as Error).message);
      return;
    }
    exchange.rawResponse = text;
    let envelope: ParsedEnvelope;
    try {
      envelope = parseEnvelope(text, this.opts.limits, { byteLength: res.body.length });
    } catch (e) {
      exchange.error = failed(`the response was refused: ${(e as Error).message}`);
      return;
    }
    if (envelope.fault) {
      exchange.error = new AgencyError('fault', `SOAP fault ${describeFault(envelope.fault)}`, { fault: envelope.fault, httpStatus: res.status });
    } else if (httpError) {
      exchange.error = failed('');
    } else {
      exchange.envelope = envelope;
    }
  }

  /** GET for a WSDL given by URL (SoapClient.create with an http(s) wsdlPath); checked like any answer. */
  private fetchWsdl(url: string, callback: (error: unknown, res?: unknown, body?: unknown) => unknown): never {
    const done = this.send('GET', url, null, { Accept: 'text/xml, application/xml' }).then(
      (res) => {
        let text: string;
        try {
          text = decodeXmlBody(res.body, res.headers['content-type'], this.opts.encoding);
          if (res.status === 200) assertSafeXml(text, this.opts.limits, { byteLength: res.body.length });
        } catch (e) {
          callback(e);
          return;
        }
        callback(null, { status: res.status, headers: res.headers, data: text }, text);
      },
      (e: unknown) => callback(e),
    );
    return done as never;
  }

  /** Sends the request; resolves with the whole (capped) answer or rejects with an AgencyError. */
  private send(method: 'GET' | 'POST', url: string, body: Buffer | null, headers: Record<string, string>, signal?: AbortSignal): Promise<WireResponse> {
    const { timeoutMs, maxResponseBytes } = this.opts;
    return new Promise<WireResponse>((resolve, reject) => {
      let target: URL;
      try {
        target = new URL(url);
        if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(target.protocol);
      } catch {
        reject(new AgencyError('unavailable', `bad endpoint URL ${url}`));
        return;
      }
      let settled = false;
      /** Set once undici starts the request; until then a cancelled call is cut in onRequestStart. */
      let controller: Dispatcher.DispatchController | null = null;
      let answer: { status: number; headers: http.IncomingHttpHeaders; chunks: Buffer[]; size: number } | null = null;
      const finish = (err: AgencyError | null, res?: WireResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          controller?.abort(err);
          reject(err);
        } else resolve(res!);
      };
      const onAbort = (): void => {
        const reason = signal?.reason as { name?: string } | undefined;
        finish(reason?.name === 'TimeoutError'
          ? new AgencyError('timeout', `no answer before the caller's deadline`, { timeoutMs })
          : new AgencyError('unavailable', 'the call was cancelled'));
      };
      const timer = setTimeout(() => finish(new AgencyError('timeout', `no answer within ${timeoutMs} ms`, { timeoutMs })), timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (settled) c.abort(new Error('the call has ended'));
        },
        onResponseStart(_c, statusCode, resHeaders) {
          if (statusCode < 200) return; // 1xx: the answer is still to come
          const declared = Number(resHeaders['content-length']);
          if (declared > maxResponseBytes) {
            finish(new AgencyError('invalid', `response of ${declared} bytes exceeds the limit of ${maxResponseBytes} bytes`, { httpStatus: statusCode }));
            return;
          }
          answer = { status: statusCode, headers: resHeaders, chunks: [], size: 0 };
        },
        onResponseData(_c, chunk) {
          if (!answer || settled) return;
          answer.size += chunk.length;
          if (answer.size > maxResponseBytes) {
            finish(new AgencyError('invalid', `response exceeds the limit of ${maxResponseBytes} bytes`, { httpStatus: answer.status }));
          } else answer.chunks.push(chunk);
        },
        onResponseEnd() {
          if (answer) finish(null, { status: answer.status, headers: answer.headers, body: answer.chunks.length === 1 ? answer.chunks[0]! : Buffer.concat(answer.chunks) });
        },
        onResponseError(_c, e: Error & { code?: string }) {
          if (settled) return;
          if (answer) return finish(new AgencyError('unavailable', 'could not be reached: connection broken while answering'));
          const what = (e.code && NETWORK_ERRORS[e.code]) ?? 'connection failed';
          const code = e.code && !e.code.startsWith('UND_ERR') ? ` (${e.code})` : '';
          finish(new AgencyError('unavailable', `could not be reached: ${what}${code}`));
        },
      };
      try {
        this.agent.dispatch({ origin: target.origin, path: target.pathname + target.search, method, headers, body }, handler);
      } catch (e) {
        finish(new AgencyError('unavailable', `the request could not be sent: ${(e as Error).message}`));
      }
    });
  }

  /** Closes the connections (call when the adapter stops). */
  close(): void {
    this.agent.destroy().catch(() => undefined);
  }
}
