import { DEFAULT_XML_LIMITS, type XmlLimits } from '../adapters/soap/safe-xml';
import { DEFAULT_TOKEN_POLICY } from '../adapters/soap/wsse';

/**
 * What a gateway configuration is: its type, the JSON Schema every value is checked
 * against (config.ts validates with it) and the defaults. How a configuration is read
 * (file, environment, merging, validation) is config.ts.
 */
/** A witness the gateway sends its checkpoints to (c2sp.org/tlog-witness). */
export interface WitnessConfig {
  /** The witness's submission prefix: add-checkpoint is POSTed to <url>/add-checkpoint. */
  url: string;
  /** Its cosigner verifier key (type 0x04), as `xgw witness` prints it. */
  vkey: string;
}

export interface GatewayConfig {
  host: string;
  port: number;
  /** Base URL others use to reach us (printed, put into metaservice answers). */
  publicUrl: string | null;
  dataDir: string;
  databaseUrl: string | null;
  /** Seed demo members, users and agreements (default: on when no config file and no DATABASE_URL). */
  demo: boolean;
  /** Demo mode: cases of history `xgw start` pushes through the exchange once the gateway listens, on the first start of an installation without cases (0: none). */
  demoHistoryCases: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  usccMode: 'strict' | 'warn';
  auth: {
    sessionTtlSeconds: number;
    /** Failed logins of one login from one address before delays start. */
    loginMaxFailures: number;
    /** Failed logins from one address (all logins) before delays start. */
    loginAddressMaxFailures: number;
    /** First delay; each further failure doubles it, up to loginMaxDelaySeconds. */
    loginDelaySeconds: number;
    loginMaxDelaySeconds: number;
    /** Failures older than this are forgotten. */
    loginWindowSeconds: number;
    tokenCacheSeconds: number;
  };
  /** Per-caller request limits per window (per process): member systems, people, anonymous addresses. */
  rateLimit: { windowSeconds: number; perMember: number; perUser: number; perAddress: number };
  /**
   * The message group commit: per commit at most maxBatch; beyond maxQueue waiting → 503; a lone message waits maxWaitMs for
   * company (0: the next event-loop turn); a second batch is sealed and sent while one is being committed once
   * overlapMinBatch messages wait (0: one batch at a time).
   */
  groupCommit: { maxBatch: number; maxQueue: number; maxWaitMs: number; overlapMinBatch: number };
  /** 公文: the largest attachment accepted (streamed; a larger one is refused with 413 and nothing is kept). */
  documents: {
    attachmentLimitBytes: number;
    /** PEM file of the certificate the exchange station signs inbound packages with (XMLDSig, RSA); null: inbound packages are refused. */
    stationCertificateFile: string | null;
    /** Attachment blobs no document references are removed once this many hours old (by creation and last reuse), checked every orphanSweepIntervalMs. */
    orphanBlobGraceHours: number;
    orphanSweepIntervalMs: number;
  };
  /** 办件 supervision: per-city changes to the official working-day calendar (YYYY-MM-DD days). */
  cases: { calendar: { extraHolidays: string[]; extraWorkdays: string[] } };
  /** 电子监察: 黄牌 `warningDays` working days before a branch's legal limit, 红牌 after it; evaluated every `intervalMs` (and at start). */
  supervision: { enabled: boolean; warningDays: number; intervalMs: number };
  trust: {
    /** PKI directory (keys 0600); default <dataDir>/pki. */
    pkiDir: string | null;
    /** Merkle log hash: SHA-256, or SM3 by configuration (fixed for the life of a log). */
    logHashAlg: 'sha256' | 'sm3';
    logKeyAlg: 'sm2' | 'rsa' | 'ecdsa-p256' | 'ed25519';
    /** Create keys and certificates for members that have none (the gateway signs on their behalf). */
    issueDepartmentKeys: boolean;
    checkpointEveryEntries: number;
    /** While entries arrive, a checkpoint at least this often (≤ 60 s): it bounds the unsigned tail a crash can leave. */
    checkpointIntervalMs: number;
    /** How far a department's own signing time (signature.signedAt) may be from the gateway's clock. */
    maxClockSkewSeconds: number;
    /** The log's name in its C2SP checkpoints (origin line and note key name): a schema-less URL, unique per log. */
    logOrigin: string;
    /** Witnesses (c2sp.org/tlog-witness) every new checkpoint is sent to; their cosignatures are published with it. */
    witnesses: WitnessConfig[];
    /** How long one add-checkpoint request to a witness may take. */
    witnessTimeoutMs: number;
    /**
     * Accept SM2 certificates and CRLs signed with the EMPTY distinguishing ID (what xgw issued before
     * it used the GM/T 0009 default ID, and openssl without -sigopt distid:…). Default false.
     */
    acceptLegacySm2Certificates: boolean;
  };
  delivery: {
    enabled: boolean;
    pollIntervalMs: number;
    /** Most delivery requests in flight in one process (a request carries one message, or up to batchMax for a member that takes batches). */
    concurrency: number;
    /** Most delivery requests in flight to one receiver at once, across every process (a slow receiver holds no more worker slots). */
    perReceiverConcurrency: number;
    /** After this many failed attempts in a row to one receiver, its jobs wait for one probe at a time (backoff with full jitter between probes). */
    breakAfterFailures: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    requestTimeoutMs: number;
  };
  /** SOAP with the agencies, in and out: the XML gate's limits and WS-Security UsernameToken freshness. */
  soap: {
    /** Every SOAP message (agencies' requests, their answers) passes one linear scan that refuses it past any of these. */
    xml: XmlLimits;
    /** How far a UsernameToken's Created may be from the gateway's clock, and how long its Nonce is remembered. */
    tokenWindowSeconds: number;
    /** Most nonces remembered per inbound endpoint (bounded memory); beyond, tokens are refused until some expire. */
    maxNonces: number;
  };
  /** Per member code: its adapter's config (endpoint, credentials, timeouts…), checked against the adapter's configSchema at start; goes over the registry's adapterConfig. */
  adapters: Record<string, Record<string, unknown>>;
  /** Registry changes reach every gateway process by LISTEN/NOTIFY; the version is also polled this often (the fallback, and after a lost connection). */
  registry: { pollIntervalMs: number };
  /**
   * Message bodies of settled messages older than `bodiesAfterDays` leave the database (null: kept for ever):
   * archived as content-addressed files under `archiveDir` (default <dataDir>/archive; shared storage when
   * several gateway nodes run) or dropped. Digests, envelopes, receipts and the log stay. Checked every `intervalMs`.
   * The same mode applies to the request/response bodies of service calls older than `serviceCallsAfterDays`
   * (the digests in their service.called entries stay), and to the bytes of 公文 attachments whose every
   * document was distributed and untouched for `attachmentsAfterDays` — off by default: 公文 are records that
   * may have to be kept (立卷归档); turn it on once the records system holds them.
   */
  retention: {
    bodiesAfterDays: number | null;
    serviceCallsAfterDays: number | null;
    attachmentsAfterDays: number | null;
    mode: 'archive' | 'drop';
    archiveDir: string | null;
    intervalMs: number;
    batchSize: number;
  };
  /** Gateway processes sharing the port (node:cluster), each with its own connection pool; more than 1 needs PostgreSQL. */
  workers: number;
  /** SIGTERM/SIGINT: requests in flight get this long to finish before their connections are cut; then writes drain, the last checkpoint is signed, exit 0. */
  shutdownTimeoutMs: number;
}


const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });

export const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'dataDir', 'demo', 'demoHistoryCases', 'logLevel', 'bodyLimitBytes', 'usccMode', 'auth', 'rateLimit', 'groupCommit', 'documents', 'cases', 'supervision', 'trust', 'delivery', 'soap', 'adapters', 'registry', 'retention', 'workers', 'shutdownTimeoutMs'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: int(0, 65535),
    publicUrl: { type: ['string', 'null'], pattern: '^https?://' },
    dataDir: { type: 'string', minLength: 1 },
    databaseUrl: { type: ['string', 'null'], pattern: '^postgres(ql)?://' },
    demo: { type: 'boolean' },
    demoHistoryCases: int(0, 100_000),
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    bodyLimitBytes: int(1024, 1024 * 1024 * 1024),
    usccMode: { enum: ['strict', 'warn'] },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['sessionTtlSeconds', 'loginMaxFailures', 'loginAddressMaxFailures', 'loginDelaySeconds', 'loginMaxDelaySeconds', 'loginWindowSeconds', 'tokenCacheSeconds'],
      properties: {
        sessionTtlSeconds: int(60, 7 * 24 * 3600),
        loginMaxFailures: int(1, 1000),
        loginAddressMaxFailures: int(1, 100_000),
        loginDelaySeconds: int(1, 3600),
        loginMaxDelaySeconds: int(1, 24 * 3600),
        loginWindowSeconds: int(1, 24 * 3600),
        tokenCacheSeconds: int(0, 3600),
      },
    },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['windowSeconds', 'perMember', 'perUser', 'perAddress'],
      properties: { windowSeconds: int(1, 3600), perMember: int(1, 100_000_000), perUser: int(1, 100_000_000), perAddress: int(1, 100_000_000) },
    },
    groupCommit: {
      type: 'object',
      additionalProperties: false,
      required: ['maxBatch', 'maxQueue', 'maxWaitMs', 'overlapMinBatch'],
      properties: { maxBatch: int(1, 5000), maxQueue: int(1, 1_000_000), maxWaitMs: int(0, 1000), overlapMinBatch: int(0, 5000) },
    },
    documents: {
      type: 'object',
      additionalProperties: false,
      required: ['attachmentLimitBytes', 'stationCertificateFile', 'orphanBlobGraceHours', 'orphanSweepIntervalMs'],
      properties: {
        attachmentLimitBytes: int(1024, 4 * 1024 * 1024 * 1024),
        stationCertificateFile: { type: ['string', 'null'], minLength: 1 },
        orphanBlobGraceHours: int(1, 24 * 366),
        orphanSweepIntervalMs: int(1000, 7 * 86_400_000),
      },
    },
    cases: {
      type: 'object',
      additionalProperties: false,
      required: ['calendar'],
      properties: {
        calendar: {
          type: 'object',
          additionalProperties: false,
          required: ['extraHolidays', 'extraWorkdays'],
          properties: {
            extraHolidays: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' } },
            extraWorkdays: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' } },
          },
        },
      },
    },
    supervision: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'warningDays', 'intervalMs'],
      properties: { enabled: { type: 'boolean' }, warningDays: int(0, 30), intervalMs: int(10, 86_400_000) },
    },
    trust: {
      type: 'object',
      additionalProperties: false,
      required: ['pkiDir', 'logHashAlg', 'logKeyAlg', 'issueDepartmentKeys', 'checkpointEveryEntries', 'checkpointIntervalMs', 'maxClockSkewSeconds', 'logOrigin', 'witnesses', 'witnessTimeoutMs', 'acceptLegacySm2Certificates'],
      properties: {
        pkiDir: { type: ['string', 'null'], minLength: 1 },
        logHashAlg: { enum: ['sha256', 'sm3'] },
        logKeyAlg: { enum: ['sm2', 'rsa', 'ecdsa-p256', 'ed25519'] },
        issueDepartmentKeys: { type: 'boolean' },
        checkpointEveryEntries: int(1, 10_000_000),
        checkpointIntervalMs: int(10, 60_000),
        maxClockSkewSeconds: int(1, 3600),
        logOrigin: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\s+]+$' },
        witnesses: {
          type: 'array',
          maxItems: 16,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['url', 'vkey'],
            properties: {
              url: { type: 'string', pattern: '^https?://' },
              vkey: { type: 'string', pattern: '^[^\\s+]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]+$', description: 'the witness cosigner key: <name>+<hex key ID>+base64(0x04 ‖ Ed25519 key)' },
            },
          },
        },
        witnessTimeoutMs: int(100, 60_000),
        acceptLegacySm2Certificates: { type: 'boolean' },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled', 'pollIntervalMs', 'concurrency', 'perReceiverConcurrency', 'breakAfterFailures', 'maxAttempts', 'backoffBaseMs', 'backoffMaxMs', 'requestTimeoutMs'],
      properties: {
        enabled: { type: 'boolean' },
        pollIntervalMs: int(10, 3_600_000),
        concurrency: int(1, 256),
        perReceiverConcurrency: int(1, 256),
        breakAfterFailures: int(1, 1000),
        maxAttempts: int(1, 100),
        backoffBaseMs: int(1, 3_600_000),
        backoffMaxMs: int(1, 24 * 3_600_000),
        requestTimeoutMs: int(100, 600_000),
      },
    },
    soap: {
      type: 'object',
      additionalProperties: false,
      required: ['xml', 'tokenWindowSeconds', 'maxNonces'],
      properties: {
        xml: {
          type: 'object',
          additionalProperties: false,
          required: ['maxBytes', 'maxDepth', 'maxElements', 'maxAttributes', 'maxAttributesPerElement', 'maxTextNodes', 'maxNameLength', 'maxTextLength'],
          properties: {
            maxBytes: int(1024, 64 * 1024 * 1024),
            maxDepth: int(4, 256),
            maxElements: int(8, 1_000_000),
            maxAttributes: int(8, 1_000_000),
            maxAttributesPerElement: int(4, 1024),
            maxTextNodes: int(8, 1_000_000),
            maxNameLength: int(16, 4096),
            maxTextLength: int(1024, 64 * 1024 * 1024),
          },
        },
        tokenWindowSeconds: int(10, 3600),
        maxNonces: int(100, 10_000_000),
      },
    },
    adapters: {
      type: 'object',
      propertyNames: { pattern: '^[a-z][a-z0-9-]{1,31}$' },
      additionalProperties: { type: 'object' },
    },
    registry: { type: 'object', additionalProperties: false, required: ['pollIntervalMs'], properties: { pollIntervalMs: int(100, 600_000) } },
    retention: {
      type: 'object',
      additionalProperties: false,
      required: ['bodiesAfterDays', 'serviceCallsAfterDays', 'attachmentsAfterDays', 'mode', 'archiveDir', 'intervalMs', 'batchSize'],
      properties: {
        bodiesAfterDays: { type: ['integer', 'null'], minimum: 1, maximum: 36_500 },
        serviceCallsAfterDays: { type: ['integer', 'null'], minimum: 1, maximum: 36_500 },
        attachmentsAfterDays: { type: ['integer', 'null'], minimum: 1, maximum: 36_500 },
        mode: { enum: ['archive', 'drop'] },
        archiveDir: { type: ['string', 'null'], minLength: 1 },
        intervalMs: int(1000, 7 * 24 * 3_600_000),
        batchSize: int(1, 10_000),
      },
    },
    workers: int(1, 64),
    shutdownTimeoutMs: int(100, 600_000),
  },
} as const;

export const defaults: GatewayConfig = {
  host: '127.0.0.1',
  port: 8080,
  publicUrl: null,
  dataDir: './data',
  databaseUrl: null,
  demo: true,
  demoHistoryCases: 2000,
  logLevel: 'info',
  bodyLimitBytes: 10 * 1024 * 1024,
  usccMode: 'strict',
  auth: {
    sessionTtlSeconds: 2 * 3600,
    loginMaxFailures: 5,
    loginAddressMaxFailures: 30,
    loginDelaySeconds: 1,
    loginMaxDelaySeconds: 15 * 60,
    loginWindowSeconds: 15 * 60,
    tokenCacheSeconds: 5,
  },
  // High enough for the benchmark (≈2.5k pushes/s from one member); they stop floods, not load.
  rateLimit: { windowSeconds: 60, perMember: 600_000, perUser: 6000, perAddress: 3000 },
  groupCommit: { maxBatch: 256, maxQueue: 20_000, maxWaitMs: 0, overlapMinBatch: 4 },
  documents: { attachmentLimitBytes: 200 * 1024 * 1024, stationCertificateFile: null, orphanBlobGraceHours: 24, orphanSweepIntervalMs: 3_600_000 },
  cases: { calendar: { extraHolidays: [], extraWorkdays: [] } },
  supervision: { enabled: true, warningDays: 2, intervalMs: 60_000 },
  trust: {
    pkiDir: null,
    logHashAlg: 'sha256',
    logKeyAlg: 'sm2',
    issueDepartmentKeys: true,
    checkpointEveryEntries: 1000,
    checkpointIntervalMs: 5_000,
    maxClockSkewSeconds: 300,
    logOrigin: 'xgw.local/exchange-log',
    witnesses: [],
    witnessTimeoutMs: 5_000,
    acceptLegacySm2Certificates: false,
  },
  delivery: {
    enabled: true,
    pollIntervalMs: 500,
    concurrency: 64,
    perReceiverConcurrency: 16,
    breakAfterFailures: 5,
    maxAttempts: 8,
    backoffBaseMs: 1000,
    backoffMaxMs: 15 * 60 * 1000,
    requestTimeoutMs: 10_000,
  },
  soap: { xml: { ...DEFAULT_XML_LIMITS }, tokenWindowSeconds: DEFAULT_TOKEN_POLICY.windowSeconds, maxNonces: DEFAULT_TOKEN_POLICY.maxNonces },
  adapters: {},
  registry: { pollIntervalMs: 2000 },
  retention: { bodiesAfterDays: null, serviceCallsAfterDays: null, attachmentsAfterDays: null, mode: 'archive', archiveDir: null, intervalMs: 3_600_000, batchSize: 1000 },
  workers: 1,
  shutdownTimeoutMs: 30_000,
};
