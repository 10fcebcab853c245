// The process's circuit breakers by name, for the metrics and /readyz:
// single ones (`smtp`, `search`) and keyed families (`webhook:<host>`, one
// breaker per receiving host).
//
// A family is bounded: it keeps the `maxKeys` most recently used breakers
// and forgets the least recently used one beyond that, so a service
// delivering to thousands of hosts holds neither thousands of breakers nor
// thousands of metric series. A forgotten breaker starts closed if its host
// comes back — at worst a few more failures before it opens again — and its
// transition counts are folded into `<family>:other`, so the totals still add up.

import {
  createCircuitBreaker,
  type BreakerOptions,
  type BreakerState,
  type CircuitBreaker,
} from './circuit-breaker.ts';

export interface BreakerReading {
  readonly breaker: string;
  readonly state: BreakerState;
}

export interface TransitionReading {
  readonly breaker: string;
  readonly to: BreakerState;
  readonly count: number;
}

/** Hosts, say: the breakers of one kind, one per key, the most recently used kept. */
export interface BreakerFamily {
  get(key: string): CircuitBreaker;
}

const STATES: readonly BreakerState[] = ['closed', 'half-open', 'open'];

export class Breakers {
  readonly #now: () => number;
  readonly #breakers = new Map<string, CircuitBreaker>();
  /** Transitions per breaker name, by the state entered. */
  readonly #transitions = new Map<string, Record<BreakerState, number>>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A breaker of its own, named `name` in the metrics. */
  single(name: string, options: BreakerOptions): CircuitBreaker {
    const breaker = this.#create(name, options);
    this.#breakers.set(name, breaker);
    return breaker;
  }

  /** A bounded family: `<name>:<key>` per key, at most `maxKeys` of them. */
  family(name: string, options: BreakerOptions, maxKeys: number): BreakerFamily {
    const members = new Map<string, CircuitBreaker>();
    return {
      get: (key) => {
        const full = `${name}:${key}`;
        let breaker = members.get(full);
        if (breaker !== undefined) {
          // Most recently used last: the Map's order is the eviction order.
          members.delete(full);
          members.set(full, breaker);
          return breaker;
        }
        breaker = this.#create(full, options);
        members.set(full, breaker);
        this.#breakers.set(full, breaker);
        if (members.size > maxKeys) {
          const [oldest] = members.keys();
          members.delete(oldest!);
          this.#breakers.delete(oldest!);
          this.#fold(oldest!, `${name}:other`);
        }
        return breaker;
      },
    };
  }

  /** Every breaker's state now. */
  states(): BreakerReading[] {
    return [...this.#breakers].map(([breaker, b]) => ({ breaker, state: b.state() }));
  }

  /** Transitions so far, by breaker and the state entered. */
  transitions(): TransitionReading[] {
    return [...this.#transitions].flatMap(([breaker, counts]) =>
      STATES.filter((to) => counts[to] > 0).map((to) => ({ breaker, to, count: counts[to] })),
    );
  }

  #create(name: string, options: BreakerOptions): CircuitBreaker {
    return createCircuitBreaker(options, this.#now, (_from, to) => {
      this.#counts(name)[to] += 1;
    });
  }

  #counts(name: string): Record<BreakerState, number> {
    let counts = this.#transitions.get(name);
    if (counts === undefined) {
      counts = { closed: 0, 'half-open': 0, open: 0 };
      this.#transitions.set(name, counts);
    }
    return counts;
  }

  #fold(from: string, into: string): void {
    const counts = this.#transitions.get(from);
    if (counts === undefined) return;
    this.#transitions.delete(from);
    const target = this.#counts(into);
    for (const state of STATES) target[state] += counts[state];
  }
}
