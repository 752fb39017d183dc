/**
 * The worst XML bodies for the gate, by shape: each is the content of a SOAP Body's
 * request element, about `bytes` long, built to make a scanner that is not linear in
 * its input (or a parser behind it) spend seconds on a body under the size limit.
 * Used by bench/xml-gate.ts and tests/security/xml-linear.test.ts.
 */
const fill = (unit: string, bytes: number): string => unit.repeat(Math.max(1, Math.floor(bytes / unit.length)));
const many = (bytes: number, per: number, make: (i: number) => string): string =>
  Array.from({ length: Math.max(1, Math.floor(bytes / per)) }, (_, i) => make(i)).join('');

export const XML_SHAPES: Record<string, (bytes: number) => string> = {
  /** `<a/><a/>…` */
  'empty elements': (n) => fill('<a/>', n),
  /** One element with a great many attributes. */
  attributes: (n) => `<a${many(n, 8, (i) => ` b${i.toString(36)}=""`)}/>`,
  /** Chains nested 20 deep (under any depth limit), repeated. */
  'deep nesting': (n) => fill('<a>'.repeat(20) + '</a>'.repeat(20), n),
  /** One element declaring a great many namespaces. */
  'namespace declarations': (n) => `<a${many(n, 22, (i) => ` xmlns:p${i.toString(36)}="urn:${i.toString(36)}"`)}/>`,
  /** One attribute value as long as the body. */
  'long attribute value': (n) => `<a b="${'x'.repeat(n)}"/>`,
  /** `<a>t</a>` repeated: many text nodes. */
  'text nodes': (n) => fill('<a>t</a>', n),
  /** Text and CDATA sections alternating in one element. */
  'text and CDATA': (n) => `<a>${fill('t<![CDATA[x]]>', n)}</a>`,
  /** Comments. */
  comments: (n) => `<a>${fill('<!--c-->', n)}</a>`,
  /** Processing instructions. */
  'processing instructions': (n) => `<a>${fill('<?p x?>', n)}</a>`,
  /** Entity references. */
  'entity references': (n) => `<a>${fill('&amp;', n)}</a>`,
  /** One text node as long as the body. */
  'long text': (n) => `<a>${'x'.repeat(n)}</a>`,
};

/** A SOAP 1.2 envelope (optionally with a header) whose Body holds `content` in a request element. */
export function envelopeAround(content: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">${header}` +
    `<soap:Body><tax:ReportCaseStatusRequest xmlns:tax="http://tax.jiangzhou.gov.cn/ws/gateway/v1">${content}</tax:ReportCaseStatusRequest></soap:Body></soap:Envelope>`
  );
}
