// How a route is declared: method, path, schemas, auth, middleware, handler.
// The schemas do three jobs at once — validate input, type the handler, and
// describe the operation in the OpenAPI document.

import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { BodyAccept, BodyLimits } from '../request/body/index.ts';
import type { Input } from '../pipeline/context.ts';
import type { Handler, Middleware } from '../pipeline/pipeline.ts';
import type { Params } from './router/radix-router.ts';

export interface ResponseSpec {
  readonly description?: string;
  readonly schema?: z.ZodType;
  /** Defaults to `application/json`. */
  readonly contentType?: string;
  /** Further media types the same response is sent as, chosen by negotiation. */
  readonly alsoAs?: readonly string[];
  readonly headers?: Readonly<Record<string, { description: string; schema?: z.ZodType }>>;
}

export interface RouteSchema {
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly headers?: z.ZodType;
  readonly body?: z.ZodType;
  /** Responses by status; a bare schema means JSON with a generic description. */
  readonly responses?: Readonly<Record<number, z.ZodType | ResponseSpec>>;
}

type OutputOr<T, Fallback> = T extends z.ZodType ? z.output<T> : Fallback;

/** The handler's `c.input`, typed from the route's schemas. */
export interface InputOf<S extends RouteSchema> extends Input {
  params: OutputOr<S['params'], Params>;
  query: OutputOr<S['query'], Record<string, string | string[]> | undefined>;
  headers: OutputOr<S['headers'], IncomingHttpHeaders>;
  body: OutputOr<S['body'], unknown>;
}

export interface Deprecation {
  /** When the route was deprecated (`true` = deprecated, date unknown). */
  readonly since?: Date | true;
  /** When it stops working (RFC 8594 `Sunset`). */
  readonly sunset?: Date;
  /**
   * The replacement (`Link: <…>; rel="successor-version"`). `:name` segments
   * are filled in per request from the route's path parameters, so
   * `/api/v2/products/:id` names each item's own successor.
   */
  readonly successor?: string;
}

export interface RouteOptions<S extends RouteSchema = RouteSchema> {
  readonly method: string | readonly string[];
  readonly path: string;
  readonly schema?: S;
  /** Routes require an authenticated caller unless they say `'public'` (deny by default). */
  readonly auth?: 'public' | 'required';
  /** Every listed permission must be held by the caller (403 otherwise). */
  readonly permissions?: readonly string[];
  /**
   * Body kinds or exact media types the body may arrive in; defaults to JSON
   * when a body schema exists. A PATCH route answering 415 also sends
   * `Accept-Patch` with its media types (RFC 5789 §2.2).
   */
  readonly accepts?: readonly BodyAccept[];
  readonly bodyLimits?: Partial<BodyLimits>;
  readonly middleware?: readonly Middleware[];
  readonly deprecated?: Deprecation;
  /**
   * Media types the handler can produce; a request accepting none gets 406.
   * Defaults to the declared responses' media types; the full wildcard range turns the check off.
   */
  readonly produces?: readonly string[];
  /** Compute a strong ETag for GET responses and answer If-None-Match with 304. */
  readonly etag?: boolean;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  /**
   * The name client code calls the operation by (`getProduct`, `payOrder`):
   * chosen by hand, unique and stable. Every documented route needs one.
   */
  readonly operationId?: string;
  /**
   * Registered error codes the handler (or its service) may answer with, such
   * as `ORDERS_OUT_OF_STOCK`. The OpenAPI document lists each under its
   * registered status; what the route's shape already implies (validation,
   * authentication, permissions, body parsing) need not be repeated.
   */
  readonly errors?: readonly string[];
  /** Keep the route out of the OpenAPI document (the docs page itself, test-only routes). */
  readonly hidden?: boolean;
  /**
   * `false` keeps the route out of every rate-limit policy: health probes must
   * answer however busy a client is, and the API docs are static. Default true.
   */
  readonly rateLimit?: boolean;
  readonly handler: Handler<InputOf<S>>;
}

/** A registered route with its group context resolved. */
export interface RouteRecord {
  readonly method: string;
  /** Full pattern including group prefixes. */
  readonly pattern: string;
  readonly options: RouteOptions;
  readonly middleware: readonly Middleware[];
  readonly tags: readonly string[];
  readonly auth: 'public' | 'required';
  readonly permissions: readonly string[];
  /** Whether rate-limit policies count this route (`RouteOptions.rateLimit`). */
  readonly rateLimit: boolean;
  /** The group's error codes and the route's own, in that order. */
  readonly errors: readonly string[];
}

/** Route-tree defaults a group passes to its routes and sub-groups. */
export interface GroupOptions {
  readonly middleware?: readonly Middleware[];
  readonly tags?: readonly string[];
  readonly auth?: 'public' | 'required';
  readonly permissions?: readonly string[];
  /** Error codes every route of the group may answer with (see `RouteOptions.errors`). */
  readonly errors?: readonly string[];
  readonly deprecated?: Deprecation;
}
