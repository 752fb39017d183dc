import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { adapters as table } from '../../adapters';
import type { Adapter, AdapterConnection, RequestSigner } from '../../adapters/types';
import { ConfigError, configErrorOf, type GatewayConfig } from '../config';
import type { Member } from '../registry/members';
import { systemClock, type Clock } from '../clock';
import { guardedAdapter } from './boundary';

interface Binding {
  /** What the binding was made from (adapter, config, delivery): a registry change rebinds when it differs. */
  source: string;
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
 * Each member bound to its adapter with its config (the registry's adapterConfig with
 * `adapters.<code>` of the gateway config over it), at start: an unknown adapter or a
 * config its schema refuses stops start with one line (ConfigError). A registry change
 * rebinds the members it touched (rebind); the same line refuses a bad change (check),
 * and a binding that fails on reload leaves the old one in place.
 */
export class AdapterBindings {
  private readonly bound = new Map<string, Binding>();

  constructor(
    private readonly config: Readonly<GatewayConfig>,
    /** The live registry (the directory): adapters read per-delivery settings from it. */
    private readonly lookup: (code: string) => Member | undefined,
    private readonly clock: Clock = systemClock,
    /** Signs the adapters' outgoing HTTP requests with the gateway's key (delivery/webhook-signer.ts). */
    private readonly signRequest?: RequestSigner,
  ) {}

  /** Binds every member; throws ConfigError on the first bad one. */
  bindAll(members: Member[]): void {
    for (const m of members) this.bound.set(m.code, this.bindMember(m));
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

  /** Messages per request of every member whose push transport takes batches (adapter config batchMax). */
  batchSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const [code, b] of this.bound) if (b.connection.batch) sizes.set(code, b.connection.batch.max);
    return sizes;
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

  /** Throws the ConfigError a start would stop with if `m` (as it is to be) could not be bound; binds nothing. */
  async check(m: Member): Promise<void> {
    await this.bindMember(m).connection.close();
  }

  /**
   * After a registry change: binds members that are new or whose adapter, config or
   * delivery changed, and unbinds members no longer active. A member that fails to bind
   * keeps its old binding; the errors are returned (one line each).
   */
  async rebind(members: Member[]): Promise<ConfigError[]> {
    const errors: ConfigError[] = [];
    const closing: Binding[] = [];
    for (const m of members) {
      const old = this.bound.get(m.code);
      if (old?.source === this.sourceOf(m)) continue;
      try {
        this.bound.set(m.code, this.bindMember(m));
        if (old) closing.push(old);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        errors.push(err);
      }
    }
    for (const [code, b] of this.bound) {
      if (!members.some((m) => m.code === code)) {
        this.bound.delete(code);
        closing.push(b);
      }
    }
    await Promise.all(closing.map((b) => b.connection.close()));
    return errors;
  }

  private sourceOf(m: Member): string {
    return JSON.stringify([m.adapter, this.configOfMember(m), m.name, m.deliveryMode, Boolean(m.webhookUrl)]);
  }

  private configOfMember(m: Member): Record<string, unknown> {
    return { ...structuredClone(m.adapterConfig ?? {}), ...structuredClone(this.config.adapters[m.code] ?? {}) };
  }

  private bindMember(m: Member): Binding {
    const known = table.get(m.adapter);
    if (!known) throw new ConfigError(`members.${m.code}.adapter`, `unknown adapter "${m.adapter}"; known: ${[...table.keys()].join(', ')}`);
    const source = this.sourceOf(m);
    const config = this.configOfMember(m);
    const validate = validatorOf(known);
    if (!validate(config)) throw configErrorOf(validate.errors![0], `adapters.${m.code}`);
    // From here on the gateway sees only the guarded adapter: its errors are the catalogue's (boundary.ts).
    const adapter = guardedAdapter(known);
    let connection: AdapterConnection;
    try {
      connection = adapter.bind({ member: m, current: () => this.lookup(m.code) ?? m, config, requestTimeoutMs: this.config.delivery.requestTimeoutMs, xmlLimits: this.config.soap.xml, clock: this.clock, signRequest: this.signRequest });
    } catch (err) {
      throw new ConfigError(`adapters.${m.code}`, (err as Error).message);
    }
    return { source, adapter, connection, config };
  }
}
