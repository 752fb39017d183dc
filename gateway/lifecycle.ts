import { GatewayError, type ErrorCode } from './errors';

/**
 * A lifecycle table: the statuses a kind of object (a message, an official
 * document, a case) can be in, the events that move it, and which event may
 * happen in which status. Pure: the module that owns the object's rows asks the
 * table before it writes, so no worker, route or adapter decides on its own.
 *
 *   created ──event──▶ status ──event──▶ status …
 *
 * Each event leads to exactly one status (`to`); `from` lists the statuses it
 * may happen in (empty for the creating event); a row may carry more (X), such as
 * what the step does to a message's delivery job. A step the table does not allow
 * is refused with a catalogue error: `final.refusal` when the object is in a
 * final status (nothing leaves it), else `refusal`.
 */
export interface LifecycleTable<S extends string, E extends string, X extends object = object> {
  /** What the table is about, for error details: 'message', 'official document', 'case'. */
  subject: string;
  /** Every status, in the order documents list them (`Record` so none is forgotten). */
  statuses: Record<S, true>;
  /** The event that creates an object (its `from` is empty). */
  creation: E;
  /** Per event: the statuses it may happen in and the one it leads to, plus what else the owner's step does (X). */
  transitions: { readonly [K in E]: Transition<S> & X };
  /** Statuses nothing leaves, and the error for trying. */
  final?: { statuses: readonly S[]; refusal: ErrorCode };
  /** The error for any other step the table does not allow. */
  refusal: ErrorCode;
}

export interface Transition<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
}

export class Lifecycle<S extends string, E extends string, X extends object = object> {
  readonly statuses: readonly S[];
  readonly events: readonly E[];

  constructor(readonly table: LifecycleTable<S, E, X>) {
    this.statuses = Object.keys(table.statuses) as S[];
    this.events = Object.keys(table.transitions) as E[];
    const final = new Set<S>(table.final?.statuses ?? []);
    for (const e of this.events) {
      const t = table.transitions[e];
      if ((e === table.creation) !== (t.from.length === 0)) throw new Error(`${table.subject} lifecycle: only the creating event has no 'from' (${e})`);
      const leavesFinal = t.from.find((s) => final.has(s));
      if (leavesFinal) throw new Error(`${table.subject} lifecycle: ${e} leaves the final status ${leavesFinal}`);
    }
  }

  /** The table's row for `event`. */
  step(event: E): Transition<S> & X {
    return this.table.transitions[event];
  }

  /** Whether `event` may happen to an object in status `from`. */
  allows(from: S, event: E): boolean {
    return this.table.transitions[event].from.includes(from);
  }

  /** The status after `event` in status `from`; refuses (catalogue error) a step the table does not allow. */
  next(from: S, event: E, id?: string): S {
    if (this.allows(from, event)) return this.table.transitions[event].to;
    const final = this.table.final;
    const which = `${this.table.subject}${id ? ` ${id}` : ''}`;
    if (final?.statuses.includes(from)) throw new GatewayError(final.refusal, `the ${which} is already ${from}; nothing follows`);
    throw new GatewayError(this.table.refusal, `the ${which} is ${from}: ${event} is allowed only when it is ${this.table.transitions[event].from.join(' or ') || 'new'}`);
  }

  /** The status after a new object goes through `events` (the first must be the creating event). */
  walk(events: readonly E[]): S {
    const [first, ...rest] = events;
    if (first !== this.table.creation) throw new Error(`${this.table.subject} lifecycle: an object starts with ${this.table.creation}`);
    return rest.reduce((status, e) => this.next(status, e), this.table.transitions[first].to);
  }
}
