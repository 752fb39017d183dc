/**
 * Mock 江州市电子公文交换站: a real HTTP server on loopback. `POST /packages` with a
 * package (application/xml) is answered 200 with a 回执, or 200 with a 回退 and the reason
 * (unreadable package, bad or missing XML signature when the station requires one, an
 * unknown 接收机关, a 包标识 reused for other content). The same package again gets its 回执
 * again, marked 重复 (duplicate). It can be made slow (`delayMs`) or failing (HTTP 503).
 * Answers are signed with the station's key when one is given (enveloped XMLDSig).
 * `deliver` hands an inbound package to the gateway (POST /api/v1/station/packages with the
 * station's bearer token), signed with the station's key, and reads the gateway's answer.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../clock';
import { AdapterError } from '../errors';
import { MockTimers } from '../mock-timers';
import { buildAnswer, isAnswerXml, parseAnswer, parseDepartmentAnswer, type DepartmentAnswer, type StationAnswer } from './answer';
import { parsePackage, type StationPackage } from './package';
import { signPackage, verifyPackageSignature } from './xmldsig';

export interface StationBehaviour {
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer HTTP 503 instead of 回执/回退. */
  fail?: boolean;
  /** Attachment downloads: wait this long after the first bytes before sending the rest. */
  attachmentDelayMs?: number;
  /** Attachment downloads answer HTTP 503. */
  attachmentsFail?: boolean;
}

export interface MockStationOptions {
  host?: string;
  port?: number;
  /** Member codes the station delivers to; a package naming another is returned (回退). */
  recipients: readonly string[];
  /** Sender code → certificate (PEM) whose XML signature the station requires on that sender's packages. */
  senderCertificates?: ReadonlyMap<string, string>;
  /** The station's own key and certificate: answers are signed with them. */
  stationKey?: { privateKeyPem: string; certPem: string };
  /** Clock for answer times (tests inject one). */
  clock?: Clock;
}

export interface MockStation {
  url: string;
  /** Accepted packages by 包标识: the package, the SHA-256 of its bytes and the bytes as received. */
  accepted: Map<string, { pkg: StationPackage; sha256: string; xml: string }>;
  /** Packages received (POST /packages attempts that got an answer or a 503), in order. */
  received: number;
  /** Every answer given, in order. */
  answers: StationAnswer[];
  /**
   * Departments' 签收 回执 / 退回 回退 of packages this station delivered, sent back through it
   * (POST /packages with a 回执/回退 root), by their 回执标识, as accepted (signature checked
   * like a package's, the 包标识 one it delivered), with the bytes as received.
   */
  departmentAnswers: Map<string, { answer: DepartmentAnswer; sha256: string; xml: string }>;
  behave(b: StationBehaviour): void;
  /**
   * Holds attachment bytes for the packages it delivers, served at GET /attachments/<sha256>
   * (`as`: serve them under another digest, as a station with a corrupted store would).
   */
  offer(bytes: Buffer, as?: string): { sha256: string; sm3: string; size: number };
  /** Attachment downloads asked for (SHA-256), in order. */
  fetched: string[];
  /** Delivers an inbound package (unsigned XML; signed here with stationKey) to a gateway as the station member. */
  deliver(xml: string, gateway: { url: string; token: string }, opts?: { timeoutMs?: number }): Promise<{ status: number; body: string; answer?: StationAnswer }>;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

/** RFC 3339 in Asia/Shanghai (+08:00). */
const shanghai = (d: Date) => `${new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

export async function startMockStation(opts: MockStationOptions): Promise<MockStation> {
  const accepted = new Map<string, { pkg: StationPackage; sha256: string; xml: string }>();
  let received = 0;
  const answers: StationAnswer[] = [];
  let behaviour: StationBehaviour = {};
  const offered = new Map<string, Buffer>();
  const departmentAnswers = new Map<string, { answer: DepartmentAnswer; sha256: string; xml: string }>();
  /** 包标识 of the packages delivered to gateways (deliver). */
  const delivered = new Set<string>();

  /** Why the sender's XML signature is refused (its certificate is configured and does not verify it), or null. */
  function signatureProblem(xml: string, sender: string): string | null {
    const cert = opts.senderCertificates?.get(sender);
    if (!cert) return null;
    const check = verifyPackageSignature(xml, cert);
    return check.ok ? null : `签名验证失败: ${check.reason}`;
  }

  /** A department's answer to a package this station delivered: accepted (回执 naming its 回执标识) or returned. */
  function decideDepartmentAnswer(xml: string, sha256: string, at: string): StationAnswer {
    let a: DepartmentAnswer;
    try {
      a = parseDepartmentAnswer(xml);
    } catch (err) {
      if (err instanceof AdapterError) return { kind: '回退', packageId: '-', packageSha256: sha256, at, reason: `回执格式错误: ${err.detail}` };
      throw err;
    }
    const back = (reason: string): StationAnswer => ({ kind: '回退', packageId: a.answerId, packageSha256: sha256, at, reason });
    const unsigned = signatureProblem(xml, a.from.code);
    if (unsigned) return back(unsigned);
    if (!delivered.has(a.packageId)) return back(`原交换包不存在: ${a.packageId}`);
    const prior = departmentAnswers.get(a.answerId);
    if (prior && prior.sha256 !== sha256) return back('回执标识重复: 同一回执标识已用于其他内容');
    if (!prior) departmentAnswers.set(a.answerId, { answer: a, sha256, xml });
    return { kind: '回执', packageId: a.answerId, packageSha256: sha256, at, duplicate: prior !== undefined };
  }
  const fetched: string[] = [];
  const clock = opts.clock ?? systemClock;

  function decide(xml: string, sha256: string): StationAnswer {
    const at = shanghai(clock.now());
    if (isAnswerXml(xml)) return decideDepartmentAnswer(xml, sha256, at);
    let pkg: StationPackage;
    try {
      pkg = parsePackage(xml);
    } catch (err) {
      if (err instanceof AdapterError) return { kind: '回退', packageId: '-', packageSha256: sha256, at, reason: `交换包格式错误: ${err.detail}` };
      throw err;
    }
    const back = (reason: string): StationAnswer => ({ kind: '回退', packageId: pkg.id, packageSha256: sha256, at, reason });
    const unsigned = signatureProblem(xml, pkg.sender.code);
    if (unsigned) return back(unsigned);
    const unknown = [...pkg.recipients.main, ...pkg.recipients.copy].filter((c) => !opts.recipients.includes(c));
    if (unknown.length) return back(`接收机关不存在: ${unknown.join('、')}`);
    const prior = accepted.get(pkg.id);
    if (prior && prior.sha256 !== sha256) return back('包标识重复: 同一包标识已用于其他内容');
    if (!prior) accepted.set(pkg.id, { pkg, sha256, xml });
    return { kind: '回执', packageId: pkg.id, packageSha256: sha256, at, duplicate: prior !== undefined };
  }

  /** Delayed answers still pending: close() cancels them. */
  const timers = new MockTimers();

  /** GET /attachments/<sha256>: the bytes in 64 KiB pieces (the first piece, then the rest after attachmentDelayMs). */
  function serveAttachment(sha256: string, res: http.ServerResponse): void {
    fetched.push(sha256);
    const bytes = offered.get(sha256);
    if (behaviour.attachmentsFail) return void res.writeHead(503).end();
    if (!bytes) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
    const PIECE = 64 * 1024;
    let at = 0;
    const rest = () => {
      while (at < bytes.length && !res.destroyed) {
        const piece = bytes.subarray(at, at + PIECE);
        at += piece.length;
        if (!res.write(piece)) return void res.once('drain', rest);
      }
      res.end();
    };
    at = Math.min(PIECE, bytes.length);
    res.write(bytes.subarray(0, at));
    if (behaviour.attachmentDelayMs) timers.later(rest, behaviour.attachmentDelayMs);
    else rest();
  }

  const server = http.createServer((req, res) => {
    const attachment = req.method === 'GET' ? /^\/attachments\/([0-9a-f]{64})$/.exec(req.url ?? '') : null;
    if (attachment) return serveAttachment(attachment[1]!, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const answer = () => {
        if (req.method !== 'POST' || req.url !== '/packages') return void res.writeHead(404).end();
        received += 1;
        if (behaviour.fail) return void res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>交换站维护中</body></html>');
        const bytes = Buffer.concat(chunks);
        const decision = decide(bytes.toString('utf8'), createHash('sha256').update(bytes).digest('hex'));
        answers.push(decision);
        const xml = buildAnswer(decision);
        const body = opts.stationKey ? signPackage(xml, opts.stationKey.privateKeyPem, opts.stationKey.certPem) : xml;
        res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' }).end(body);
      };
      if (behaviour.delayMs) timers.later(answer, behaviour.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    accepted,
    answers,
    get received() {
      return received;
    },
    behave: (b) => void (behaviour = { ...b }),
    fetched,
    offer(bytes, as) {
      const digest = (alg: string) => createHash(alg).update(bytes).digest('hex');
      const sha256 = digest('sha256');
      offered.set(as ?? sha256, bytes);
      return { sha256, sm3: digest('sm3'), size: bytes.length };
    },
    departmentAnswers,
    async deliver(xml, gateway, o = {}) {
      try {
        delivered.add(parsePackage(xml).id);
      } catch {
        /* not a package: the gateway says so */
      }
      const body = opts.stationKey ? signPackage(xml, opts.stationKey.privateKeyPem, opts.stationKey.certPem) : xml;
      const post = () =>
        fetch(`${gateway.url}/api/v1/station/packages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/xml; charset=utf-8' },
          body,
          ...(o.timeoutMs ? { signal: AbortSignal.timeout(o.timeoutMs) } : {}),
        });
      // a kept-alive connection the gateway closed as it was reused: the station sends again (a resend is recognised anyway)
      const reset = (err: Error) => ['ECONNRESET', 'UND_ERR_SOCKET'].includes((err.cause as { code?: string } | undefined)?.code ?? '');
      const res = await post()
        .catch((err: Error) => (reset(err) ? post() : Promise.reject(err)))
        .catch((err: Error) => {
          if (err.name === 'TimeoutError') return null; // the station gave up waiting: the gateway's answer is lost
          throw err;
        });
      if (!res) return { status: 0, body: 'timeout' };
      const text = await res.text();
      return { status: res.status, body: text, ...(res.ok ? { answer: parseAnswer(text) } : {}) };
    },
    close: () => {
      timers.cancelAll();
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections(); // a request whose delayed answer was cancelled would hold close() forever
      return closed;
    },
  };
}
