import fs from 'node:fs';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { defaults, type GatewayConfig } from './config-schema';
import { validate as precompiled } from './config-validate';

/**
 * Typed configuration: defaults ← JSON file (XGW_CONFIG) ← environment.
 * Validated once with ajv (against config-schema.ts, compiled ahead of time into config-validate.ts)
 * and deep-frozen; a bad value stops start with one line naming the key (ConfigError).
 */
export { defaults, type GatewayConfig, type WitnessConfig } from './config-schema';

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`config error: ${key}: ${message}`);
  }
}

/** Environment variables and the config key each sets. */
const envKeys: Record<string, { key: string; type: 'string' | 'int' | 'bool' }> = {
  HOST: { key: 'host', type: 'string' },
  PORT: { key: 'port', type: 'int' },
  XGW_PUBLIC_URL: { key: 'publicUrl', type: 'string' },
  XGW_DATA_DIR: { key: 'dataDir', type: 'string' },
  DATABASE_URL: { key: 'databaseUrl', type: 'string' },
  XGW_DEMO: { key: 'demo', type: 'bool' },
  XGW_DEMO_HISTORY: { key: 'demoHistoryCases', type: 'int' },
  XGW_SHUTDOWN_TIMEOUT_MS: { key: 'shutdownTimeoutMs', type: 'int' },
  XGW_WORKERS: { key: 'workers', type: 'int' },
  XGW_GROUP_COMMIT_OVERLAP: { key: 'groupCommit.overlapMinBatch', type: 'int' },
  XGW_RETENTION_DAYS: { key: 'retention.bodiesAfterDays', type: 'int' },
  XGW_RETENTION_CALL_DAYS: { key: 'retention.serviceCallsAfterDays', type: 'int' },
  XGW_RETENTION_ATTACHMENT_DAYS: { key: 'retention.attachmentsAfterDays', type: 'int' },
  XGW_RETENTION_MODE: { key: 'retention.mode', type: 'string' },
  XGW_ARCHIVE_DIR: { key: 'retention.archiveDir', type: 'string' },
  XGW_LOG_LEVEL: { key: 'logLevel', type: 'string' },
  XGW_BODY_LIMIT_BYTES: { key: 'bodyLimitBytes', type: 'int' },
  XGW_USCC_MODE: { key: 'usccMode', type: 'string' },
  XGW_ATTACHMENT_LIMIT_BYTES: { key: 'documents.attachmentLimitBytes', type: 'int' },
  XGW_SUPERVISION: { key: 'supervision.enabled', type: 'bool' },
  XGW_SUPERVISION_INTERVAL_MS: { key: 'supervision.intervalMs', type: 'int' },
  XGW_SUPERVISION_WARNING_DAYS: { key: 'supervision.warningDays', type: 'int' },
  XGW_STATION_CERT_FILE: { key: 'documents.stationCertificateFile', type: 'string' },
  XGW_ORPHAN_BLOB_GRACE_HOURS: { key: 'documents.orphanBlobGraceHours', type: 'int' },
  XGW_PKI_DIR: { key: 'trust.pkiDir', type: 'string' },
  XGW_LOG_HASH: { key: 'trust.logHashAlg', type: 'string' },
  XGW_ACCEPT_LEGACY_SM2_CERTS: { key: 'trust.acceptLegacySm2Certificates', type: 'bool' },
};

function setPath(obj: Record<string, unknown>, key: string, value: unknown) {
  const parts = key.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** The schema compiled ahead of time (config-validate.ts, generated; tests/unit/config checks it is current). */
const validate = precompiled as unknown as ValidateFunction;

/** Validates a full config object (defaults merged with overrides) and freezes it. */
export function buildConfig(overrides: Record<string, unknown> = {}): Readonly<GatewayConfig> {
  const cfg = merge(defaults as unknown as Record<string, unknown>, overrides);
  if (!validate(cfg)) throw configErrorOf(validate.errors![0]);
  return deepFreeze(cfg as unknown as GatewayConfig);
}

/** One ajv error as a ConfigError naming the dotted key (under `prefix`). */
export function configErrorOf(e: ErrorObject, prefix = ''): ConfigError {
  const at = [prefix, e.instancePath.slice(1).replace(/\//g, '.')].filter(Boolean).join('.');
  const key = e.keyword === 'additionalProperties' ? [at, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.') : at || '(root)';
  const msg =
    e.keyword === 'additionalProperties'
      ? 'unknown key'
      : e.keyword === 'enum'
        ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
        : e.keyword === 'required'
          ? `${(e.params as { missingProperty: string }).missingProperty} is required`
          : e.message ?? 'invalid';
  return new ConfigError(key, msg);
}

/** Reads XGW_CONFIG (if set) and the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  let fromFile: Record<string, unknown> = {};
  if (env.XGW_CONFIG) {
    const file = path.resolve(env.XGW_CONFIG);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError('XGW_CONFIG', `cannot read ${file}`);
    }
    try {
      fromFile = JSON.parse(text);
    } catch (e) {
      throw new ConfigError('XGW_CONFIG', `${file} is not valid JSON (${(e as Error).message.replace(/\s+/g, ' ')})`);
    }
    if (!fromFile || typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new ConfigError('XGW_CONFIG', 'must hold a JSON object');
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, { key, type }] of Object.entries(envKeys)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (type === 'int') {
      if (!/^\d+$/.test(raw)) throw new ConfigError(key, `${name}=${raw} is not a whole number`);
      setPath(fromEnv, key, Number(raw));
    } else if (type === 'bool') {
      if (!/^(1|0|true|false|yes|no)$/i.test(raw)) throw new ConfigError(key, `${name}=${raw} is not a boolean`);
      setPath(fromEnv, key, /^(1|true|yes)$/i.test(raw));
    } else setPath(fromEnv, key, raw);
  }
  // Demo mode only when no config says otherwise: a config file or a real database turns it off by default.
  const demoDefault = { demo: !env.XGW_CONFIG && !env.DATABASE_URL };
  return buildConfig(merge(merge(demoDefault, fromFile), fromEnv));
}
