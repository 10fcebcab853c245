// The context an arriving call runs in: its parent's values with the call's
// span set over them, as one small object.
//
// Why not the API's own `trace.setSpan`: its contexts copy the parent's
// values into a new Map and make three closures each. For the few calls a
// low ratio keeps, that allocation made every young-generation collection
// of the JSON benchmark promote about ten times as much (89 KB against 8 KB
// a scavenge at 10 %, with nothing else changed), and the request path paid
// for the copying; a context of three fields does not (docs/performance.md,
// "Tracing: spans encoded as they end").
//
// The key is the API's own span key. `createContextKey` makes its keys with
// `Symbol.for`, so every copy of the API in a process shares it, and
// `trace.getSpan` finds the span here; span-context.test.ts holds the API to it.

import type { Context, Span } from '@opentelemetry/api';

const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/** `parent` with `span` as its current span. */
export function contextWithSpan(parent: Context, span: Span): Context {
  return new OneValueContext(parent, SPAN_KEY, span);
}

/**
 * A context that holds one value over a parent's: what a child sets makes
 * another link, so a lookup walks as many links as the call has nested
 * contexts (a handful), never a copy of them.
 */
class OneValueContext implements Context {
  readonly #parent: Context;
  readonly #key: symbol;
  readonly #value: unknown;

  constructor(parent: Context, key: symbol, value: unknown) {
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
  }

  getValue(key: symbol): unknown {
    return key === this.#key ? this.#value : this.#parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new OneValueContext(this, key, value);
  }

  /** A value unset is one that reads as undefined, which is what the API's contexts answer too. */
  deleteValue(key: symbol): Context {
    return new OneValueContext(this, key, undefined);
  }
}
