/**
 * WS-Security UsernameToken (PasswordText) both ways: the header we send (with a
 * fresh Nonce and Created by an injected clock) and the checks a service makes on
 * the one it receives.
 *
 * Only elements in the OASIS namespaces count: a `Security` (or `UsernameToken`,
 * `Password`…) element in any other namespace is neither accepted nor read as the
 * token. Its Created must lie within a window of the service's clock, and its Nonce
 * must not have been seen within that window (remembered in bounded memory).
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../clock';
import { ElementSpan, decodeEntities, localName } from './xml-scan';

export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export interface UsernameToken {
  username: string;
  password: string;
  /** Is the Password of type PasswordText (or untyped)? */
  passwordIsText: boolean;
  nonce: string | null;
  /** wsu:Created as written. */
  created: string | null;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** `2026-03-02T01:30:00.000Z`: what we write in Created. */
const utc = (d: Date): string => d.toISOString();

/**
 * The `<wsse:Security>` header with a UsernameToken (PasswordText, a random Nonce,
 * Created from `clock`), for node-soap's `setSecurity` (it calls toXML per request).
 */
export function usernameTokenSecurity(username: string, password: string, clock: Clock): { toXML(): string } {
  return {
    toXML: () =>
      `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"><wsse:UsernameToken>` +
      `<wsse:Username>${escape(username)}</wsse:Username>` +
      `<wsse:Password Type="${PASSWORD_TEXT}">${escape(password)}</wsse:Password>` +
      `<wsse:Nonce EncodingType="${BASE64_BINARY}">${randomBytes(16).toString('base64')}</wsse:Nonce>` +
      `<wsu:Created>${utc(clock.now())}</wsu:Created>` +
      `</wsse:UsernameToken></wsse:Security>`,
  };
}

/** An element's text when it has no child elements (CDATA and references decoded); null otherwise. */
function leafText(text: string, span: ElementSpan): string | null {
  const raw = text.slice(span.openEnd, span.contentEnd);
  if (!raw.includes('<')) return decodeEntities(raw);
  let out = '';
  let at = 0;
  while (at < raw.length) {
    const lt = raw.indexOf('<', at);
    if (lt === -1) {
      out += decodeEntities(raw.slice(at));
      break;
    }
    out += decodeEntities(raw.slice(at, lt));
    if (!raw.startsWith('<![CDATA[', lt)) return null;
    const end = raw.indexOf(']]>', lt + 9);
    out += raw.slice(lt + 9, end);
    at = end + 3;
  }
  return out;
}

const inside = (outer: ElementSpan, inner: ElementSpan): boolean => inner.start > outer.start && inner.end < outer.end;

/**
 * Collects, while an envelope is scanned, the spans a UsernameToken is read from:
 * children of a Header, of a Security and of a UsernameToken (by local name; the
 * namespaces are checked when the token is read).
 */
export class SecurityHeaderSpans {
  private readonly spans: ElementSpan[] = [];
  add(span: ElementSpan): void {
    if (span.depth < 3 || span.depth > 5 || !span.parent) return;
    const parent = localName(span.parent);
    if ((span.depth === 3 && parent === 'Header') || (span.depth === 4 && parent === 'Security') || (span.depth === 5 && parent === 'UsernameToken')) this.spans.push(span);
  }

  /**
   * The token of the one wsse:Security element directly in `header`: null when there is
   * none, or when the header is ambiguous (several wsse:Security elements, several
   * tokens, a field twice, a field with child elements).
   */
  token(text: string, header: ElementSpan | null): UsernameToken | null {
    if (!header) return null;
    const security = this.spans.filter((s) => s.depth === 3 && s.ns === WSSE_NS && localName(s.qname) === 'Security' && inside(header, s));
    if (security.length !== 1) return null;
    const tokens = this.spans.filter((s) => s.depth === 4 && s.ns === WSSE_NS && localName(s.qname) === 'UsernameToken' && inside(security[0]!, s));
    if (tokens.length !== 1) return null;
    const fields = this.spans.filter((s) => s.depth === 5 && inside(tokens[0]!, s));
    const field = (ns: string, name: string): ElementSpan | null | undefined => {
      const found = fields.filter((s) => s.ns === ns && localName(s.qname) === name);
      return found.length > 1 ? undefined : (found[0] ?? null); // undefined: ambiguous
    };
    const [user, pass, nonce, created] = [field(WSSE_NS, 'Username'), field(WSSE_NS, 'Password'), field(WSSE_NS, 'Nonce'), field(WSU_NS, 'Created')];
    if (!user || !pass || nonce === undefined || created === undefined) return null;
    const values = [user, pass, nonce, created].map((s) => (s ? leafText(text, s) : null));
    if (values[0] === null || values[1] === null || (nonce && values[2] === null) || (created && values[3] === null)) return null;
    const type = /\sType\s*=\s*(["'])(.*?)\1/s.exec(text.slice(pass.start, pass.openEnd))?.[2];
    return {
      username: values[0]!.trim(),
      password: values[1]!,
      passwordIsText: type === undefined || type === PASSWORD_TEXT,
      nonce: values[2]?.trim() || null,
      created: values[3]?.trim() || null,
    };
  }
}

/** Nonces seen within the window, oldest first; at most `max` (bounded memory). */
export class NonceCache {
  /** key → expiry (ms); Map keeps insertion order, and expiries grow with it. */
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs: number, private readonly max: number) {}

  private purge(nowMs: number): void {
    for (const [key, expiry] of this.seen) {
      if (expiry > nowMs) break;
      this.seen.delete(key);
    }
  }

  /**
   * Records `nonce` for `username`: 'replayed' if it was seen within the window, 'full'
   * if `max` nonces are remembered and none has expired (refuse: never forget one early).
   */
  record(username: string, nonce: string, nowMs: number): 'ok' | 'replayed' | 'full' {
    this.purge(nowMs);
    const key = `${username}\n${nonce}`;
    if (this.seen.has(key)) return 'replayed';
    if (this.seen.size >= this.max) return 'full';
    this.seen.set(key, nowMs + this.windowMs);
    return 'ok';
  }

  get size(): number {
    return this.seen.size;
  }
}

export interface TokenPolicy {
  clock: Clock;
  /** How far a token's Created may be from the clock (either way), and how long its Nonce is remembered. */
  windowSeconds: number;
  /** Most nonces remembered at once; beyond that, new tokens are refused until some expire. */
  maxNonces: number;
}

export const DEFAULT_TOKEN_POLICY: Readonly<TokenPolicy> = Object.freeze({ clock: systemClock, windowSeconds: 300, maxNonces: 100_000 });

const CREATED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

interface FreshnessPolicy {
  clock: Clock;
  /** How far Created may be from the clock, either way. */
  windowSeconds: number;
  nonces: NonceCache;
}

/**
 * Is the token fresh and new? Returns why not (for the fault), or null. Call only once
 * the password is accepted (an unauthenticated sender must not fill the nonce cache).
 */
export function freshnessProblem(token: UsernameToken, policy: FreshnessPolicy): string | null {
  if (!token.created || !CREATED.test(token.created)) return 'the UsernameToken has no valid wsu:Created';
  if (!token.nonce || token.nonce.length > 128) return 'the UsernameToken has no valid wsse:Nonce';
  const now = policy.clock.now().getTime();
  const age = (now - Date.parse(token.created)) / 1000;
  if (Number.isNaN(age)) return 'the UsernameToken has no valid wsu:Created';
  if (age > policy.windowSeconds) return `the UsernameToken was created more than ${policy.windowSeconds} s ago`;
  if (age < -policy.windowSeconds) return `the UsernameToken was created more than ${policy.windowSeconds} s in the future`;
  const seen = policy.nonces.record(token.username, token.nonce, now);
  if (seen === 'replayed') return 'the UsernameToken nonce was already used';
  if (seen === 'full') return 'too many UsernameTokens within the window; retry later';
  return null;
}
