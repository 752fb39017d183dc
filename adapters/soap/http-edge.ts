/**
 * The HTTP edge of a SOAP service: reading a request body with a size limit (no
 * global body parser), writing a fault in the service's version and encoding,
 * serving a WSDL with its address rewritten, comparing secrets.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { SoapVersion, WireEncoding, encodeXmlBody, soapContentType } from './encoding';
import { escapeXml, faultEnvelope, faultHttpStatus } from './envelope';

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * The request body as bytes, at most `maxBytes`. A larger body is drained and
 * discarded (so the client reads our answer) up to 4× the limit, then the
 * connection is cut; either way the promise rejects with BodyTooLargeError.
 */
export function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  const preRead = (req as { body?: unknown }).body;
  if (Buffer.isBuffer(preRead)) {
    return preRead.length > maxBytes ? Promise.reject(new BodyTooLargeError(`body of ${preRead.length} bytes`)) : Promise.resolve(preRead);
  }
  if (typeof preRead === 'string' && preRead.length > 0) return Promise.resolve(Buffer.from(preRead, 'utf8'));
  const hardCap = maxBytes * 4;
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > hardCap) {
      reject(new BodyTooLargeError(`declared body of ${declared} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > hardCap) {
        req.socket.destroy();
        reject(new BodyTooLargeError(`body over ${hardCap} bytes`));
      }
    });
    req.on('end', () => (size > maxBytes ? reject(new BodyTooLargeError(`body of ${size} bytes`)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** Sends `envelope` (text) in the service's encoding with the right Content-Type. */
export function sendEnvelope(res: Response, status: number, version: SoapVersion, encoding: WireEncoding, envelope: string): void {
  const { bytes } = encodeXmlBody(envelope, encoding);
  res.status(status).set('Content-Type', soapContentType(version, encoding)).set('Content-Length', String(bytes.length)).end(bytes);
}

/** Answers with a SOAP fault of `version`, encoded in `encoding` (Client/Sender → 500/400, Server/Receiver → 500). */
export function sendSoapFault(
  res: Response,
  version: SoapVersion,
  encoding: WireEncoding,
  fault: { code: string; reason: string; subcode?: string },
  opts: { status?: number; close?: boolean } = {},
): void {
  if (res.headersSent) return;
  if (opts.close) res.set('Connection', 'close');
  sendEnvelope(res, opts.status ?? faultHttpStatus(version, fault.code), version, encoding, faultEnvelope(version, fault));
}

/** The WSDL with every soap:address / soap12:address location set to `url`. */
export function wsdlWithAddress(wsdl: string, url: string): string {
  return wsdl.replace(/(<(?:[A-Za-z_][\w.-]*:)?address\b[^>]*?\blocation\s*=\s*)(["'])[^"']*\2/g, (_m, head: string, q: string) => `${head}${q}${escapeXml(url)}${q}`);
}

/** The URL a request was made to, without its query: what `?wsdl` advertises as the service address. */
export const serviceUrl = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}${req.path === '/' ? '' : req.path}`;

/** Does the query string ask for the WSDL (`?wsdl`, `?WSDL`, `?wsdl=`)? */
export const wantsWsdl = (req: Request): boolean => /[?&]wsdl(?:=|&|$)/i.test(req.originalUrl);

/** Constant-time comparison of two secrets (for UsernameToken passwords). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a === b;
}
