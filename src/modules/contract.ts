// What a module is, to the service that runs it: one value, exported from
// `modules/<name>/module.ts`, that says what the module adds — its routes,
// the error codes it raises, the events it publishes, the queues its jobs
// run on, and its workers (job handlers, event consumers, schedules). The
// composition root keeps a single list of these (wiring/modules.ts) and does
// the rest: it builds the shared parts once, hands each module the context
// it asks for, and derives the error catalog and the jobs dashboard's queue
// list from the declarations.
//
// A module states what it needs from that context as its own type (`Web`
// for routes and gRPC services, `Work` for workers), written with its own and the ports'
// types; the root's context must satisfy every module's, which the compiler
// checks where the root calls them. So this file imports no module, and
// no module imports the root.
//
// Table types stay in the module's `tables.ts` and its SQL in
// `migrations/`; the root composes the database type from them.

import type { ErrorRegistry } from '../errors/index.ts';
import type { App } from '../http/app.ts';
import type { GrpcService } from '../grpc/unary.ts';

export interface ServiceModule<Web = unknown, Work = unknown> {
  /** Stable name: the error catalog's section, logs. */
  readonly name: string;
  /** Every error code the module raises (docs/errors.md documents each). */
  readonly errors?: ErrorRegistry;
  /** Event types the module records in the outbox (each has exactly one publisher). */
  readonly events?: readonly string[];
  /** Queues the module's workers take jobs from (dashboard, retention). */
  readonly queues?: readonly string[];
  /** Registers the module's routes. */
  readonly routes?: (app: App, context: Web) => void;
  /** The module's gRPC services (proto/throughline/), on the same context as its routes. */
  readonly grpc?: (context: Web) => readonly GrpcService[];
  /** Starts the module's job handlers, event consumers and schedules. */
  readonly workers?: (context: Work) => void;
}

/** Declares a module; the identity, there to infer `Web` and `Work` from the hooks. */
export function defineModule<Web = unknown, Work = unknown>(
  module: ServiceModule<Web, Work>,
): ServiceModule<Web, Work> {
  return module;
}
