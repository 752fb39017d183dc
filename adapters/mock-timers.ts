/**
 * The delays a mock server schedules for scripted slowness, cancelled together when it closes,
 * so a closed mock leaves no timer behind (a pending one would keep a test process alive, or
 * answer on a server that is gone). Used by the mock SOAP agencies and the mock exchange station.
 */
export class MockTimers {
  private readonly pending = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms`, unless cancelAll() comes first. */
  later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    this.pending.add(t);
  }

  /** Resolves after `ms`; never, once cancelAll() has come first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(resolve, ms));
  }

  cancelAll(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
