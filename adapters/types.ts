/**
 * The adapter model: how the gateway converts and transports messages for one
 * kind of system. One folder per adapter under adapters/, one table
 * (adapters/index.ts). A member names its adapter in the registry; its
 * adapter config (gateway config `adapters.<member code>`) is checked against
 * the adapter's configSchema at start.
 */

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
