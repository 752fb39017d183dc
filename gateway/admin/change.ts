import { ConfigError, type GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import type { Clock } from '../clock';
import type { Store } from '../store/db';
import { findMember, type Member } from '../registry/members';
import type { ChangeContext } from '../registry/changes';

/** What a registry change needs: the gateway's parts, or the CLI's stand-ins when no gateway runs (xgw init). */
export interface ChangeDeps {
  store: Store;
  clock: Clock;
  config: { trust: Pick<GatewayConfig['trust'], 'logHashAlg'>; usccMode: GatewayConfig['usccMode'] };
  adapters: { check(m: Member): Promise<void> };
  registry: { refresh(): Promise<void> };
}

/** A dry run's changes, thrown to roll its transaction back. */
class DryRun<T> {
  constructor(readonly result: T) {}
}

/**
 * Runs registry changes in one transaction: the adapter bindings of the members touched
 * are checked (as they will be) before commit, a refusal rolls everything back with the
 * one line a start would print; after commit this process reloads before answering, the
 * others on the NOTIFY sent at commit (registry/live.ts).
 */
export async function inChange<T>(deps: ChangeDeps, by: string, fn: (ctx: ChangeContext) => Promise<T>, opts: { dryRun?: boolean } = {}): Promise<{ result: T; changed: boolean }> {
  let changed = false;
  try {
    const result = await deps.store.tx(async (db) => {
      const pending = new Set<string>();
      const ctx: ChangeContext = {
        db,
        alg: deps.config.trust.logHashAlg,
        at: deps.clock.now(),
        by,
        usccMode: deps.config.usccMode,
        needsBindingCheck: async (code) => void pending.add(code),
        changes: [],
      };
      const out = await fn(ctx);
      for (const code of pending) {
        const m = await findMember(db, code);
        if (!m) continue;
        try {
          await deps.adapters.check(m);
        } catch (err) {
          if (err instanceof ConfigError) throw new GatewayError('GW_ERR_REGISTRY_INVALID', err.message, { errors: [{ pointer: '/adapterConfig', message: err.message }] });
          throw err;
        }
      }
      changed = ctx.changes.length > 0;
      if (opts.dryRun) throw new DryRun(out);
      return out;
    });
    if (changed) await deps.registry.refresh();
    return { result, changed };
  } catch (err) {
    if (err instanceof DryRun) return { result: err.result as T, changed: false };
    throw err;
  }
}

