/**
 * SoapClient: call one operation of an agency's SOAP service with a request element
 * we already converted (adapters' NativeForm.text), get the response element's
 * children back as strings.
 *
 * node-soap does what it is good at: it reads the WSDL (operations, input/output
 * elements, SOAPAction), builds the envelope for SOAP 1.1 or 1.2 (forceSoap12Headers),
 * adds our WS-Security UsernameToken (wsse.ts: PasswordText, Nonce, Created) and puts our request
 * element into the Body unchanged (its `_xml` argument). Our transport
 * (transport.ts) does the HTTP leg: GBK, deadline, size cap, charset decoding and
 * the safety check. We parse the answer ourselves (safe-xml.ts) because node-soap
 * types leaves by the schema (`03` would become 3) and its sax parse is not our
 * safety gate; node-soap's own parse result is ignored.
 */
import { performance } from 'node:perf_hooks';
import * as soap from 'soap';
import type { NativeObject } from '../types';
import type { SoapVersion, WireEncoding } from './encoding';
import { AgencyError } from './errors';
import { systemClock, type Clock } from '../clock';
import { XmlLimits, assertSafeXml, xmlLimits } from './safe-xml';
import { usernameTokenSecurity } from './wsse';
import { ANSWER_READ_BY_TRANSPORT, SoapHttpTransport, WireExchange } from './transport';
import { localName } from './xml-scan';

export interface SoapClientOptions {
  /** Path (or URL) of the agency's WSDL. */
  wsdlPath: string;
  /** The agency's endpoint URL (overrides the WSDL's address). */
  endpoint: string;
  soapVersion: SoapVersion;
  encoding: WireEncoding;
  /** WS-Security UsernameToken (PasswordText) added to every request's Header. */
  usernameToken?: { username: string; password: string };
  /** Deadline for the whole call (connect, send, answer). */
  timeoutMs: number;
  /** Larger answers are refused as invalid (default 2 MiB). */
  maxResponseBytes?: number;
  /** The XML gate's limits for answers (size, depth, counts); the size limit gives way to maxResponseBytes. */
  limits?: Partial<XmlLimits>;
  /** Created of the UsernameToken (default: the system clock). */
  clock?: Clock;
}

interface SoapCallResult {
  /** Children of the response element, prefixes stripped, leaves strings. */
  response: NativeObject;
  /** The envelope sent, as text (its declaration names the wire encoding). */
  rawRequest: string;
  /** The answer, decoded to text. */
  rawResponse: string;
  durationMs: number;
  httpStatus: number;
}

interface OperationInfo {
  service: string;
  port: string;
  inputElement: string;
  outputElement: string | null;
  soapAction: string | undefined;
}

type NodeSoapMethod = (args: unknown, cb: (err: unknown) => void, options: Record<string, unknown>) => void;

/** The operations of every service/port of a WSDL node-soap has read. */
function operationsOf(client: soap.Client): Map<string, OperationInfo> {
  const ops = new Map<string, OperationInfo>();
  const services = (client.wsdl.definitions as unknown as {
    services: Record<string, { ports: Record<string, { binding: { methods: Record<string, { input?: { $name: string }; output?: { $name: string }; soapAction?: string }> } }> }>;
  }).services;
  for (const [service, { ports }] of Object.entries(services)) {
    for (const [port, { binding }] of Object.entries(ports)) {
      for (const [name, method] of Object.entries(binding.methods)) {
        if (!ops.has(name) && method.input) {
          ops.set(name, { service, port, inputElement: method.input.$name, outputElement: method.output?.$name ?? null, soapAction: method.soapAction });
        }
      }
    }
  }
  return ops;
}

export class SoapClient {
  private constructor(
    private readonly client: soap.Client,
    private readonly transport: SoapHttpTransport,
    private readonly operations: Map<string, OperationInfo>,
    private readonly limits: XmlLimits,
  ) {}

  static async create(opts: SoapClientOptions): Promise<SoapClient> {
    const limits: XmlLimits = xmlLimits(opts.limits);
    const maxResponseBytes = opts.maxResponseBytes ?? limits.maxBytes;
    const transport = new SoapHttpTransport({
      soapVersion: opts.soapVersion,
      encoding: opts.encoding,
      timeoutMs: opts.timeoutMs,
      maxResponseBytes,
      limits: { ...limits, maxBytes: Math.max(limits.maxBytes, maxResponseBytes) },
    });
    const client = await soap.createClientAsync(opts.wsdlPath, {
      endpoint: opts.endpoint,
      forceSoap12Headers: opts.soapVersion === '1.2',
      httpClient: transport,
      disableCache: true, // the WSDL object carries per-client options; never share it
    });
    if (opts.usernameToken) {
      client.setSecurity(usernameTokenSecurity(opts.usernameToken.username, opts.usernameToken.password, opts.clock ?? systemClock) as soap.ISecurity);
    }
    return new SoapClient(client, transport, operationsOf(client), limits);
  }

  /** The operation names the WSDL offers. */
  get operationNames(): string[] {
    return [...this.operations.keys()];
  }

  /**
   * Calls `operation` with `requestXml` (the request element, UTF-8 text) placed in
   * the Body byte-for-byte. Resolves with the response element's children; rejects
   * with an AgencyError (timeout, fault, unavailable, invalid). A request element
   * that is not the operation's input element is a programming error (plain Error).
   */
  async invoke(operation: string, requestXml: string, opts: { signal?: AbortSignal } = {}): Promise<SoapCallResult> {
    const op = this.operations.get(operation);
    if (!op) throw new Error(`the WSDL has no operation ${operation} (it has ${this.operationNames.join(', ')})`);
    const root = assertSafeXml(requestXml, this.limits).root;
    if (localName(root.qname) !== op.inputElement) {
      throw new Error(`${operation} takes <${op.inputElement}>, not <${root.qname}>`);
    }
    const method = (this.client as unknown as Record<string, Record<string, Record<string, NodeSoapMethod>>>)[op.service]![op.port]![operation]!;
    const exchange: WireExchange = { signal: opts.signal };
    const started = performance.now();
    const soapError = await new Promise<unknown>((resolve) => {
      exchange.abandon = resolve;
      method({ _xml: requestXml }, (err) => resolve(err), { xgwExchange: exchange });
    });
    const durationMs = performance.now() - started;

    if (exchange.error) throw exchange.error;
    const envelope = exchange.envelope;
    if (!envelope || soapError !== ANSWER_READ_BY_TRANSPORT) throw soapError instanceof Error ? soapError : new Error('node-soap failed before sending');
    const rawRequest = exchange.rawRequest!;
    const rawResponse = exchange.rawResponse!;
    if (op.outputElement && envelope.bodyElement?.name !== op.outputElement) {
      throw new AgencyError('invalid', `expected <${op.outputElement}> in the response Body, found ${envelope.bodyElement ? `<${envelope.bodyElement.name}>` : 'nothing'}`, {
        httpStatus: exchange.status,
        rawRequest,
        rawResponse,
      });
    }
    return { response: envelope.body, rawRequest, rawResponse, durationMs, httpStatus: exchange.status! };
  }

  /** Closes idle keep-alive connections (call when the adapter stops). */
  close(): void {
    this.transport.close();
  }
}
