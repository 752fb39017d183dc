import { Router } from 'express';
import { catalogue, GatewayError, type ErrorCode } from '../errors';

/** The problem `type` of a catalogue code: a page of this gateway (relative URI reference, RFC 9457 §3.1.1). */
export const problemType = (code: ErrorCode): string => `/errors/${code}`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>` +
  `<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#303133}` +
  `code{background:#f4f4f5;padding:0 .3em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ebeef5;padding:.35rem .6rem;text-align:left}</style>` +
  `</head><body>${body}</body></html>`;

/**
 * `/errors` and `/errors/{code}`: what each catalogue code means, so the `type` of every
 * problem answer resolves to something a developer can read (HTML, or JSON on Accept: application/json).
 */
export function errorPages(): Router {
  const r = Router();
  const codes = Object.keys(catalogue) as ErrorCode[];
  r.get('/errors', (req, res) => {
    if (req.accepts(['html', 'json']) === 'json') return void res.json({ items: codes.map((code) => ({ code, ...catalogue[code], type: problemType(code) })), next: null });
    const rows = codes.map((c) => `<tr><td><a href="${problemType(c)}"><code>${c}</code></a></td><td>${catalogue[c].status}</td><td>${esc(catalogue[c].title)}</td></tr>`);
    res.type('html').send(page('xgw 错误代码 / error codes', `<h1>xgw 错误代码 (error codes)</h1><p>每个错误应答（application/problem+json）的 <code>code</code> 与 <code>type</code> 都指向下表中的一项。Every problem answer names one of these codes.</p><table><tr><th>code</th><th>HTTP</th><th>title</th></tr>${rows.join('')}</table>`));
  });
  r.get('/errors/:code', (req, res) => {
    const code = req.params.code as ErrorCode;
    if (!Object.hasOwn(catalogue, code)) throw new GatewayError('GW_ERR_REQUEST_INVALID', 'not a code of the error catalogue; see /errors for the list');
    const { status, title } = catalogue[code];
    if (req.accepts(['html', 'json']) === 'json') return void res.json({ code, status, title, type: problemType(code) });
    res.type('html').send(
      page(
        code,
        `<h1><code>${code}</code></h1><p>HTTP ${status}: ${esc(title)}</p>` +
          `<p>应答体为 <code>application/problem+json</code>（RFC 9457）：<code>detail</code> 说明本次请求的具体原因，<code>requestId</code> 用于向网关运维人员报告问题；校验错误另有 <code>errors</code>（JSON Pointer 指向出错字段）。` +
          `${status >= 500 ? '5xx 错误可稍后重试（如有 <code>Retry-After</code> 请遵守）。' : '4xx 错误请修改请求后再发送，原样重试不会成功。'}</p>` +
          `<p>The body is <code>application/problem+json</code>: <code>detail</code> says what was wrong with this request, <code>requestId</code> identifies it in the gateway log. ` +
          `${status >= 500 ? 'A 5xx may be retried later (honour <code>Retry-After</code> when present).' : 'A 4xx will not succeed if retried unchanged.'}</p><p><a href="/errors">所有错误代码 / all codes</a></p>`,
      ),
    );
  });
  return r;
}
