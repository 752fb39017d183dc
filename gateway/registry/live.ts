import type { Store } from '../store/db';
import type { Logger } from '../logger';
import { REGISTRY_CHANNEL, registryVersion } from './changes';
import { Periodic } from '../periodic';

/**
 * Keeps a gateway process's view of the registry current: every change bumps the
 * registry version and sends NOTIFY at commit (registry/changes.ts). This process
 * LISTENs where the store can (PostgreSQL; PGlite within its one process) and polls
 * the version every `pollIntervalMs` as well (stores without LISTEN, notifications
 * lost while a connection was down; a Periodic: never two polls at once). A change reloads everything at once (`reload`:
 * directory, trust, adapter bindings, token cache); reloads never overlap, and one
 * that arrives during a reload runs once after it.
 */
export class RegistryWatcher {
  private seen = 0;
  private running: Promise<void> | null = null;
  private rerun = false;
  private poller: Periodic | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private waiters: { version: number; resolve: () => void }[] = [];

  constructor(
    private readonly store: Store,
    private readonly reload: () => Promise<void>,
    private readonly opts: { pollIntervalMs: number },
    private readonly log: Logger,
  ) {}

  /** The registry version this process's view reflects. */
  get version(): number {
    return this.seen;
  }

  async start(): Promise<void> {
    this.seen = await registryVersion(this.store);
    if (this.store.listen) {
      this.unlisten = await this.store.listen(REGISTRY_CHANNEL, (payload) => {
        if (Number(payload) > this.seen) void this.refresh();
      });
    }
    this.poller = new Periodic(() => this.poll(), this.opts.pollIntervalMs);
    this.poller.start();
  }

  private async poll(): Promise<void> {
    try {
      if ((await registryVersion(this.store)) > this.seen) await this.refresh();
    } catch (err) {
      this.log.warn({ err }, 'registry version poll failed');
    }
  }

  /** Reloads now (after a change this process made, before it answers); resolves when the view is current. */
  refresh(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          const version = await registryVersion(this.store);
          await this.reload();
          this.seen = Math.max(this.seen, version);
          this.log.info({ registryVersion: version }, 'registry reloaded');
        } while (this.rerun);
      } catch (err) {
        this.log.error({ err }, 'registry reload failed; the next change or poll retries');
      } finally {
        this.running = null;
        this.waiters = this.waiters.filter((w) => (w.version <= this.seen ? (w.resolve(), false) : true));
      }
    })();
    return this.running;
  }

  /** Resolves once this process's view reflects registry version `version` (tests, the CLI). */
  reached(version: number): Promise<void> {
    if (version <= this.seen) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ version, resolve }));
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
    this.poller = null;
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
    await this.running;
  }
}
