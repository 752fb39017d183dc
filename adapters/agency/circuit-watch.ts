import { BrokenCircuitError, CircuitState, type CircuitBreakerPolicy } from 'cockatiel';
import type { Clock } from '../clock';
import type { CircuitReport } from '../types';

const stateOf = (s: CircuitState): CircuitReport['state'] => (s === CircuitState.Open || s === CircuitState.Isolated ? 'open' : s === CircuitState.HalfOpen ? 'half-open' : 'closed');

const messageOf = (reason: { error: Error } | { value: unknown }): string => ('error' in reason ? reason.error.message : String(reason.value));

/**
 * Follows one agency connection's circuit breaker for the administrators: its state and
 * since when, the failures in a row that count towards opening it, the calls it let
 * through and how they went, the calls it refused while open, and the last failure.
 * `rejected(err)` is told of every error a call ended with (it counts the breaker's refusals).
 */
export function watchCircuit(breaker: CircuitBreakerPolicy, opts: { clock: Clock; threshold: number; halfOpenAfterMs: number }) {
  let since: string | null = null;
  let inARow = 0;
  let succeeded = 0;
  let failed = 0;
  let refused = 0;
  let lastFailure: CircuitReport['lastFailure'] = null;
  const at = () => opts.clock.now().toISOString();
  breaker.onStateChange(() => void (since = at()));
  breaker.onSuccess(() => {
    succeeded++;
    inARow = 0;
  });
  breaker.onFailure(({ handled, reason }) => {
    // An error the breaker does not handle is not the agency's trouble (see soap-agency.ts): it is a refusal, an answer.
    if (!handled) return;
    failed++;
    inARow++;
    lastFailure = { at: at(), error: messageOf(reason) };
  });
  return {
    ended(err: unknown): void {
      if (err instanceof BrokenCircuitError) refused++;
    },
    report: (): CircuitReport => ({ state: stateOf(breaker.state), since, failuresInARow: inARow, threshold: opts.threshold, halfOpenAfterMs: opts.halfOpenAfterMs, succeeded, failed, refused, lastFailure }),
  };
}
