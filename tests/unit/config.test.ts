import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, defaults, loadConfig, buildConfig } from '../../gateway/config';
import { CONFIG_VALIDATOR_FILE, configValidatorSource } from '../support/config-validator';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xgw-config-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function configFile(content: unknown): string {
  const file = path.join(dir, `c${++n}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Runs fn, expects a ConfigError naming `key`, on one line; returns it. */
function configError(fn: () => unknown, key: string): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const e = caught as ConfigError;
  expect(e.key).toBe(key);
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message.startsWith(`config error: ${key}: `)).toBe(true);
  return e;
}

describe('loadConfig', () => {
  test('defaults: no environment → the documented defaults, demo on, 10 MB body limit', () => {
    const c = loadConfig({});
    expect(c).toEqual({ ...defaults, demo: true });
    expect(c.bodyLimitBytes).toBe(10 * 1024 * 1024);
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.databaseUrl).toBeNull();
    expect(c.logLevel).toBe('info');
    expect(c.usccMode).toBe('strict');
    expect(c.auth).toEqual({
      sessionTtlSeconds: 7200,
      loginMaxFailures: 5,
      loginAddressMaxFailures: 30,
      loginDelaySeconds: 1,
      loginMaxDelaySeconds: 900,
      loginWindowSeconds: 900,
      tokenCacheSeconds: 5,
    });
    expect(c.delivery.enabled).toBe(true);
    expect(c.delivery.maxAttempts).toBeGreaterThan(1);
    expect(c.delivery.backoffMaxMs).toBeGreaterThanOrEqual(c.delivery.backoffBaseMs);
    // empty variables count as unset
    expect(loadConfig({ PORT: '', XGW_LOG_LEVEL: '' }).port).toBe(8080);
  });

  test('environment variables set their keys', () => {
    const c = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9090',
      XGW_PUBLIC_URL: 'https://xgw.example.gov.cn',
      XGW_DATA_DIR: '/var/lib/xgw',
      XGW_LOG_LEVEL: 'warn',
      XGW_BODY_LIMIT_BYTES: '65536',
      XGW_USCC_MODE: 'warn',
      XGW_DEMO: 'no',
    });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 9090,
      publicUrl: 'https://xgw.example.gov.cn',
      dataDir: '/var/lib/xgw',
      logLevel: 'warn',
      bodyLimitBytes: 65536,
      usccMode: 'warn',
      demo: false,
    });
  });

  test('a bad PORT → ConfigError naming port, on one line', () => {
    expect(configError(() => loadConfig({ PORT: 'abc' }), 'port').message).toContain('PORT=abc');
    configError(() => loadConfig({ PORT: '-1' }), 'port');
    configError(() => loadConfig({ PORT: '80.5' }), 'port');
    configError(() => loadConfig({ PORT: '70000' }), 'port');
    configError(() => loadConfig({ XGW_CONFIG: configFile({ port: '8080' }) }), 'port');
    configError(() => loadConfig({ XGW_BODY_LIMIT_BYTES: '12' }), 'bodyLimitBytes'); // below the 1 KB minimum
  });

  test('an unknown key in the XGW_CONFIG file → ConfigError naming the key (nested keys dotted)', () => {
    expect(configError(() => loadConfig({ XGW_CONFIG: configFile({ prot: 8080 }) }), 'prot').message).toContain('unknown key');
    configError(() => loadConfig({ XGW_CONFIG: configFile({ delivery: { maxAttemps: 3 } }) }), 'delivery.maxAttemps');
    configError(() => loadConfig({ XGW_CONFIG: configFile({ auth: { sessionTtlSeconds: 3600, lockout: true } }) }), 'auth.lockout');
  });

  test('a wrong enum value → ConfigError naming the key and the allowed values', () => {
    const e = configError(() => loadConfig({ XGW_LOG_LEVEL: 'loud' }), 'logLevel');
    expect(e.message).toContain('must be one of');
    expect(e.message).toContain('info');
    configError(() => loadConfig({ XGW_USCC_MODE: 'lenient' }), 'usccMode');
    configError(() => loadConfig({ XGW_CONFIG: configFile({ usccMode: 'off' }) }), 'usccMode');
  });

  test('other bad values: boolean, URLs, nested ranges, unreadable or invalid files', () => {
    configError(() => loadConfig({ XGW_DEMO: 'maybe' }), 'demo');
    configError(() => loadConfig({ DATABASE_URL: 'mysql://db/xgw' }), 'databaseUrl');
    configError(() => loadConfig({ XGW_PUBLIC_URL: 'ftp://x' }), 'publicUrl');
    configError(() => loadConfig({ XGW_CONFIG: configFile({ delivery: { requestTimeoutMs: 5 } }) }), 'delivery.requestTimeoutMs');
    configError(() => loadConfig({ XGW_CONFIG: configFile({ auth: { loginMaxFailures: 0 } }) }), 'auth.loginMaxFailures');
    configError(() => loadConfig({ XGW_CONFIG: path.join(dir, 'missing.json') }), 'XGW_CONFIG');
    configError(() => loadConfig({ XGW_CONFIG: configFile('{ "port": 8080,\n  oops }\n') }), 'XGW_CONFIG');
    configError(() => loadConfig({ XGW_CONFIG: configFile([1, 2]) }), 'XGW_CONFIG');
    configError(() => loadConfig({ XGW_CONFIG: configFile('null') }), 'XGW_CONFIG');
  });

  test('demo is off by default when DATABASE_URL or XGW_CONFIG is set; explicit settings win', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/xgw' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/xgw' }).databaseUrl).toBe('postgresql://u@db/xgw');
    expect(loadConfig({ XGW_CONFIG: configFile({}) }).demo).toBe(false);
    expect(loadConfig({ XGW_CONFIG: configFile({ demo: true }) }).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/xgw', XGW_DEMO: 'true' }).demo).toBe(true);
    expect(loadConfig({ XGW_DEMO: '0' }).demo).toBe(false);
  });

  test('precedence: defaults ← file ← environment; nested objects merge key by key', () => {
    const file = configFile({ port: 9000, logLevel: 'debug', auth: { loginMaxFailures: 7 }, delivery: { maxAttempts: 4 } });
    const c = loadConfig({ XGW_CONFIG: file, PORT: '9100' });
    expect(c.port).toBe(9100);
    expect(c.logLevel).toBe('debug');
    expect(c.auth).toEqual({ ...defaults.auth, loginMaxFailures: 7 });
    expect(c.delivery).toEqual({ ...defaults.delivery, maxAttempts: 4 });
    expect(c.groupCommit).toEqual(defaults.groupCommit);
  });

  test('the returned config is deeply frozen, and loading one does not change the defaults', () => {
    const c = loadConfig({ XGW_CONFIG: configFile({ auth: { loginMaxFailures: 9 } }) });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.auth)).toBe(true);
    expect(Object.isFrozen(c.delivery)).toBe(true);
    expect(Object.isFrozen(c.groupCommit)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.auth as { loginMaxFailures: number }).loginMaxFailures = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.delivery as unknown as Record<string, unknown>).extra = 1;
    }).toThrow(TypeError);
    expect(c.port).toBe(8080);
    expect(c.auth.loginMaxFailures).toBe(9);
    expect(defaults.auth.loginMaxFailures).toBe(5);
    expect(loadConfig({}).auth.loginMaxFailures).toBe(5);
    // buildConfig (used by tests and the CLI) freezes the same way
    const b = buildConfig({ delivery: { requestTimeoutMs: 300 } });
    expect(Object.isFrozen(b.delivery)).toBe(true);
    expect(b.delivery.requestTimeoutMs).toBe(300);
  });
});

test(`the config validator compiled ahead of time (${CONFIG_VALIDATOR_FILE}) is the schema's as it is now`, () => {
  const file = path.join(__dirname, '..', '..', CONFIG_VALIDATOR_FILE);
  const source = configValidatorSource();
  if (process.env.XGW_UPDATE_CONFIG_VALIDATOR === '1') fs.writeFileSync(file, source);
  // Stale after a change to gateway/config-schema.ts: rerun this test with XGW_UPDATE_CONFIG_VALIDATOR=1.
  expect(fs.readFileSync(file, 'utf8') === source).toBe(true);
});
