/**
 * The time source an adapter is given (BindContext.clock; the gateway passes its own
 * clock, which has this shape), so WS-Security Created/Nonce windows are testable.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
