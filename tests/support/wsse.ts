/** Hand-written WS-Security headers for tests that post raw envelopes. */
import { randomBytes } from 'node:crypto';
import { WSSE_NS, WSU_NS } from '../../adapters/soap/wsse';

const PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0';

/**
 * `<soap:Header>` with a UsernameToken: Password of `type`, a fresh random Nonce and
 * Created = `created` (default now), unless given (null leaves the element out).
 * `securityNs` puts the Security element in another namespace.
 */
export function wsseHeader(
  username: string,
  password: string,
  opts: { type?: string; created?: Date | string | null; nonce?: string | null; securityNs?: string } = {},
): string {
  const created = opts.created === undefined ? new Date().toISOString() : opts.created === null ? null : new Date(opts.created).toISOString();
  const nonce = opts.nonce === undefined ? randomBytes(16).toString('base64') : opts.nonce;
  return (
    `<soap:Header><wsse:Security xmlns:wsse="${opts.securityNs ?? WSSE_NS}" xmlns:wsu="${WSU_NS}"><wsse:UsernameToken>` +
    `<wsse:Username>${username}</wsse:Username>` +
    `<wsse:Password Type="${PROFILE}#${opts.type ?? 'PasswordText'}">${password}</wsse:Password>` +
    (nonce === null ? '' : `<wsse:Nonce>${nonce}</wsse:Nonce>`) +
    (created === null ? '' : `<wsu:Created>${created}</wsu:Created>`) +
    `</wsse:UsernameToken></wsse:Security></soap:Header>`
  );
}

/** A tax ReportCaseStatus envelope (SOAP 1.2) with `header`, for case `caseNo`, officer `officer`. */
export const taxReport = (header: string, caseNo: string, officer = '赵喆', declaration = '<?xml version="1.0" encoding="UTF-8"?>'): string =>
  declaration +
  `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:tax="http://tax.jiangzhou.gov.cn/ws/gateway/v1">${header}` +
  `<soap:Body><tax:ReportCaseStatusRequest><tax:ztxx><tax:ywbh>${caseNo}</tax:ywbh><tax:blzt>SL</tax:blzt><tax:jbr>${officer}</tax:jbr>` +
  `<tax:blsj>20260304093000</tax:blsj><tax:swjg>国家税务总局江州市税务局</tax:swjg></tax:ztxx></tax:ReportCaseStatusRequest></soap:Body></soap:Envelope>`;
