import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { adapters as table } from '../../adapters';
import type { Adapter, AdapterConnection } from '../../adapters/types';
import { ConfigError, configErrorOf, type GatewayConfig } from '../config';
import type { Member } from '../registry/members';
import { systemClock, type Clock } from '../clock';
import { guardedAdapter } from './boundary';

interface Binding {
  adapter: Adapter;
  connection: AdapterConnection;
  /** The member's adapter config, checked, with defaults filled. */
  config: Record<string, unknown>;
}

const ajv = new Ajv({ allErrors: false, strict: true, useDefaults: true });
addFormats(ajv);
const validators = new Map<Adapter, ValidateFunction>();
const validatorOf = (a: Adapter) => validators.get(a) ?? validators.set(a, ajv.compile(a.configSchema)).get(a)!;

/**
 * Each member bound to its adapter with its config (`adapters.<code>` in the
 * gateway config), at start: an unknown adapter or a config its schema refuses
 * stops start with one line (ConfigError). Registry changes take effect at the
 * next start, like the directory itself.
 */
export class AdapterBindings {
  private readonly bound = new Map<string, Binding>();

  constructor(
    private readonly config: Readonly<GatewayConfig>,
    /** The live registry (the directory): adapters read per-delivery settings from it. */
    private readonly lookup: (code: string) => Member | undefined,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Binds every member; throws ConfigError on the first bad one. */
  bindAll(members: Member[]): void {
    for (const m of members) this.bindMember(m);
    for (const code of Object.keys(this.config.adapters)) {
      if (!members.some((m) => m.code === code)) throw new ConfigError(`adapters.${code}`, `there is no member "${code}"`);
    }
  }

  adapterOf(code: string): Adapter | undefined {
    return this.bound.get(code)?.adapter;
  }

  /** The longest a delivery attempt can take on any bound transport (0: none says). */
  maxLeaseMs(): number {
    let max = 0;
    for (const b of this.bound.values()) max = Math.max(max, b.connection.leaseMs?.() ?? 0);
    return max;
  }

  configOf(code: string): Record<string, unknown> | undefined {
    return this.bound.get(code)?.config;
  }

  connectionOf(code: string): AdapterConnection | undefined {
    return this.bound.get(code)?.connection;
  }

  async close(): Promise<void> {
    await Promise.all([...this.bound.values()].map((b) => b.connection.close()));
    this.bound.clear();
  }

  private bindMember(m: Member): void {
    const known = table.get(m.adapter);
    if (!known) throw new ConfigError(`members.${m.code}.adapter`, `unknown adapter "${m.adapter}"; known: ${[...table.keys()].join(', ')}`);
    const config = structuredClone(this.config.adapters[m.code] ?? {});
    const validate = validatorOf(known);
    if (!validate(config)) throw configErrorOf(validate.errors![0], `adapters.${m.code}`);
    // From here on the gateway sees only the guarded adapter: its errors are the catalogue's (boundary.ts).
    const adapter = guardedAdapter(known);
    let connection: AdapterConnection;
    try {
      connection = adapter.bind({ member: m, current: () => this.lookup(m.code) ?? m, config, requestTimeoutMs: this.config.delivery.requestTimeoutMs, xmlLimits: this.config.soap.xml, clock: this.clock });
    } catch (err) {
      throw new ConfigError(`adapters.${m.code}`, (err as Error).message);
    }
    this.bound.set(m.code, { adapter, connection, config });
  }
}
