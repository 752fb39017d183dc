/**
 * The adapter model: how the gateway converts and transports messages for one
 * kind of system. One folder per adapter under adapters/, one table
 * (adapters/index.ts). A member names its adapter in the registry; its
 * adapter config (gateway config `adapters.<member code>`) is checked against
 * the adapter's configSchema at start.
 */
import type { Clock } from './clock';
import type { XmlLimits } from './soap/xml-scan';

/** The converted form of one message or request: exactly what the agency receives, before transport encoding. */
export interface NativeForm {
  /** The agency operation it goes to, e.g. SubmitCase. */
  operation: string;
  /** application/xml: the SOAP Body's request element; application/json: a JSON document. */
  mediaType: 'application/xml' | 'application/json';
  /** The converted text (UTF-8; a GBK transport encodes it on the wire). Its digest goes into the log. */
  text: string;
}

/**
 * A native message as parsed from the wire: the children of the SOAP request or
 * response element as a plain object tree. Leaves are strings (or numbers/booleans
 * when the parser typed them); a repeated element that occurred once may be a
 * single object instead of an array.
 */
export type NativeObject = { [name: string]: NativeValue };
export type NativeValue = string | number | boolean | null | undefined | NativeObject | NativeValue[];

/** A synchronous data-sharing service (X-Road style request/response), e.g. query-enterprise. */
export interface ServiceSpec {
  /** URL name: POST /api/v1/services/{member}/{name}. */
  name: string;
  /** Chinese title shown in the metaservices, e.g. 企业登记信息查询. */
  title: string;
  /** The agency operation called, e.g. QueryEnterprise. */
  operation: string;
  /** JSON Schema of the JSON request body. */
  requestSchema: Record<string, unknown>;
  /** JSON Schema of the JSON the service answers with. */
  responseSchema: Record<string, unknown>;
  /** JSON request → the agency's request element. */
  toNative(request: Record<string, unknown>): NativeForm;
  /** The agency's parsed response → JSON (throws GW_ERR_ADAPTER_UNMAPPED_VALUE on an unknown code). */
  fromNative(response: NativeObject): Record<string, unknown>;
}

/** An operation the gateway serves to the agency (inbound SOAP), e.g. ReportStatus → case-status. */
export interface InboundOperation {
  operation: string;
  /** The message type it becomes. */
  type: string;
  /** The agency's parsed request → our payload of `type` (then validated, agreed, signed and logged like any push). */
  fromNative(request: NativeObject): { payload: Record<string, unknown>; messageId: string; caseId: string | null };
  /** The response element's children for an accepted message. */
  accepted(messageId: string): NativeObject;
}

/** What one converted message says about its conversion (goes into the signed log). */
export interface Provenance {
  /** from-sender: an agency's native message converted to our JSON (inbound); absent: our JSON converted for the receiver. */
  direction?: 'from-sender';
  adapter: string;
  adapterVersion: string;
  mappingVersion: string;
  operation: string;
  original: { alg: string; value: string };
  converted: { alg: string; value: string; mediaType: NativeForm['mediaType'] };
}

/** A converted message: what the agency receives and how it was made (stored with the message). */
export interface Conversion {
  provenance: Provenance;
  native: NativeForm;
}

/** A message the outbox hands to an adapter's transport. */
export interface OutboundMessage {
  /** The gateway's id of the message. */
  id: string;
  /** The sender's id of the message. */
  messageId: string;
  from: string;
  to: string;
  type: string;
  caseId: string | null;
  purpose: string;
  payload: unknown;
  digest: { alg: string; value: string };
  /** When the gateway accepted it (RFC 3339, +08:00). */
  receivedAt: string;
  /** The converted form, when the receiver's adapter converts. */
  conversion: Conversion | null;
  /** An earlier attempt may have reached the receiver without an answer coming back (timed out, cut off). */
  maybeDelivered: boolean;
}

/** The outcome of one delivery attempt. */
export interface DeliveryAttempt {
  ok: boolean;
  httpStatus?: number;
  error?: string;
  durationMs: number;
  /** false: retrying cannot help (e.g. the agency refused the message with a Client fault): dead-letter now. */
  retryable?: boolean;
  /** What the receiver answered, recorded with the 'delivered' event (e.g. the agency's receipt number). */
  answer?: Record<string, unknown>;
  /** The attempt may have reached the receiver although it failed (timeout, connection cut while answering). */
  maybeDelivered?: boolean;
  /** Refused before it left (our circuit breaker or bulkhead): not an attempt; try again after retryAfterMs. */
  notAttempted?: boolean;
  retryAfterMs?: number;
}

/** A synchronous call's outcome: the agency's parsed answer and the texts that crossed the wire. */
export interface AgencyAnswer {
  response: NativeObject;
  rawRequest: string;
  rawResponse: string;
  durationMs: number;
}

/** An adapter bound to one member with its config: the transport. */
export interface AdapterConnection {
  /** Delivers one message (push mode). Absent: the member pulls from its inbox. */
  deliver?(m: OutboundMessage, attempt: number): Promise<DeliveryAttempt>;
  /**
   * Delivers several messages in one request (push mode, a member configured to take batches):
   * up to `max` at a time, each with its own attempt number; the request's outcome is every one's.
   * Absent: one message per request (deliver).
   */
  batch?: { max: number; deliver(items: Array<{ message: OutboundMessage; attempt: number }>): Promise<DeliveryAttempt> };
  /** Calls the agency for a synchronous service; throws an AdapterError (GW_ERR_AGENCY_*) on failure. */
  call?(service: ServiceSpec, request: NativeForm): Promise<AgencyAnswer>;
  /** How long one delivery attempt can take at most (the outbox's claim lease must outlast it). */
  leaseMs?(): number;
  /** What its circuit breaker has seen, for ops and the administrators; null when the adapter has none. */
  circuit(): CircuitReport | null;
  close(): Promise<void>;
}

/** A connection's circuit breaker as ops and the administrators see it (counts since the member was bound). */
export interface CircuitReport {
  state: 'closed' | 'open' | 'half-open';
  /** When the state last changed (RFC 3339); null: closed since bound. */
  since: string | null;
  /** The agency's failures in a row; the circuit opens at `threshold`. */
  failuresInARow: number;
  threshold: number;
  /** How long it stays open before one probe call. */
  halfOpenAfterMs: number;
  /** Calls the agency answered (a refusal of the request is an answer). */
  succeeded: number;
  /** Calls the agency failed (timeout, unavailable, server fault). */
  failed: number;
  /** Calls refused by the open circuit without reaching the agency. */
  refused: number;
  lastFailure: { at: string; error: string } | null;
}

export interface BoundMember {
  code: string;
  name: string;
  deliveryMode: 'push' | 'pull';
  webhookUrl: string | null;
}

/** What an adapter gets when it is bound to a member. */
export interface BindContext {
  member: BoundMember;
  /** The member as the registry holds it now (webhook URLs are read per delivery). */
  current(): BoundMember;
  /** The member's adapter config (gateway config `adapters.<code>`), already checked against configSchema, defaults filled. */
  config: Record<string, unknown>;
  /** Outbox request timeout (delivery.requestTimeoutMs), for adapters without their own. */
  requestTimeoutMs: number;
  /** The XML gate's limits for agencies' answers (gateway config `soap.xml`). */
  xmlLimits: XmlLimits;
  /** The gateway's clock (WS-Security Created on what it sends). */
  clock: Clock;
  /** Signs an outgoing HTTP request with the gateway's key (webhooks: RFC 9421); absent: unsigned. */
  signRequest?: RequestSigner;
}

/**
 * Signs one outgoing HTTP request: the headers to add (Content-Digest, Signature-Input,
 * Signature). `nonce` is unique per request (replay detection at the receiver).
 */
export type RequestSigner = (req: { method: string; url: string; body: string; nonce: string }) => Record<string, string>;

/** The agency-facing SOAP endpoint the gateway serves for members of this adapter. */
export interface InboundSpec {
  /** The WSDL file the endpoint serves (its address is rewritten per request). */
  wsdlPath: string;
  soapVersion: '1.1' | '1.2';
  encoding: 'utf-8' | 'gbk';
  /** Purpose (用途) the inbound messages are sent with. */
  purpose: string;
  operations: InboundOperation[];
}

/** One kind of system the gateway talks to. */
export interface Adapter {
  name: string;
  version: string;
  title: string;
  /** Version of the field mappings and code tables (logged with every conversion). */
  mappingVersion: string;
  /** JSON Schema of a member's adapter config; checked at start (a bad config stops start with one line). */
  configSchema: Record<string, unknown>;
  /** Message types this adapter can deliver to its members. */
  delivers: string[];
  /** Converts a payload to the receiver's native form; null = the receiver takes our JSON as is. Throws GW_ERR_ADAPTER_UNMAPPED_VALUE. */
  toReceiver(type: string, payload: Record<string, unknown>): NativeForm | null;
  /**
   * Converts a native message the member sent (an inbound operation's parsed request) to
   * our JSON: the message type, payload, a deterministic messageId and the case. Throws
   * GW_ERR_ADAPTER_UNMAPPED_VALUE / GW_ERR_ADAPTER_INVALID_NATIVE. Absent: the member sends our JSON.
   */
  fromSender?(operation: string, native: NativeObject): { type: string; payload: Record<string, unknown>; messageId: string; caseId: string | null };
  /** Synchronous services the members of this adapter offer. */
  services: ServiceSpec[];
  /** The SOAP endpoint the gateway serves to these members (agency → gateway), if any. */
  inbound?: InboundSpec;
  /** Binds the adapter to one member (creates clients, circuit breakers). */
  bind(ctx: BindContext): AdapterConnection;
}
