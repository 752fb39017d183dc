/**
 * The SOAP toolkit for vertical-agency adapters: a client (node-soap + our
 * transport), an Express-mountable server (node-soap behind our safety gate),
 * GBK at the edge, WS-Security UsernameToken, safe XML parsing, and the mapping of
 * agency failures onto the gateway's error catalogue.
 */
export { SoapClient } from './client';
export type { SoapClientOptions, SoapCallResult } from './client';
export { soapRouter, sendSoapFault, wsdlWithAddress, safeEqual } from './server';
export type { SoapRouter, SoapServiceOptions, SoapOperationHandler, SoapRequestContext } from './server';
export { AgencyError, SoapFault, agencyErrorToAdapterError, isRetryable, isAgencyError, describeFault } from './errors';
export type { AgencyErrorKind, FaultInfo } from './errors';
export { assertSafeXml, parseXml, DEFAULT_XML_LIMITS, UnsafeXmlError } from './safe-xml';
export type { XmlLimits, UnsafeReason } from './safe-xml';
export { parseEnvelope, SOAP_ENVELOPE_NS } from './envelope';
export type { ParsedEnvelope } from './envelope';
export { decodeXmlBody, encodeXmlBody, soapContentType, roundTripsGbk } from './encoding';
export type { SoapVersion, WireEncoding } from './encoding';
export { buildElement } from './xml-build';
export type { QualifiedName } from './xml-build';
