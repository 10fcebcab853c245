// Route registration: the app and every group are RouteBuilders sharing one
// registry. Groups contribute a path prefix and defaults (middleware, tags,
// auth, permissions, error codes, deprecation) that nest: `/api` → `/v1` → `/admin`.
// Routes are added to the radix tree at registration time, so a conflicting
// route fails at start-up with the router's message.

import type { Handler, Middleware } from '../pipeline/pipeline.ts';
import type { GroupOptions, RouteOptions, RouteRecord, RouteSchema } from './route.ts';
import type { RadixRouter } from './router/radix-router.ts';

export interface RouteRegistry {
  readonly router: RadixRouter<RouteEntry>;
  readonly records: RouteRecord[];
  sealed: boolean;
}

/** What the router stores per method+pattern; `chain` is composed at build time. */
export interface RouteEntry {
  readonly record: RouteRecord;
  chain: ((c: import('../pipeline/context.ts').Context) => unknown) | undefined;
}

type ShortOptions<S extends RouteSchema> = Omit<RouteOptions<S>, 'method' | 'path' | 'handler'>;

export class RouteBuilder {
  readonly #registry: RouteRegistry;
  readonly #prefix: string;
  readonly #defaults: GroupOptions;

  constructor(registry: RouteRegistry, prefix: string, defaults: GroupOptions) {
    this.#registry = registry;
    this.#prefix = prefix;
    this.#defaults = defaults;
  }

  route<S extends RouteSchema>(options: RouteOptions<S>): this {
    if (this.#registry.sealed) {
      throw new Error(`cannot add ${options.path}: routes are sealed once the app serves`);
    }
    const methods = typeof options.method === 'string' ? [options.method] : options.method;
    const defaults = this.#defaults;
    const merged: RouteOptions = {
      ...(options as unknown as RouteOptions),
      auth: options.auth ?? defaults.auth ?? 'required',
      permissions: [...(defaults.permissions ?? []), ...(options.permissions ?? [])],
      tags: [...(defaults.tags ?? []), ...(options.tags ?? [])],
      errors: [...(defaults.errors ?? []), ...(options.errors ?? [])],
      ...(options.deprecated === undefined && defaults.deprecated !== undefined
        ? { deprecated: defaults.deprecated }
        : {}),
    };
    const pattern = joinPath(this.#prefix, options.path);
    for (const raw of methods) {
      const method = raw.toUpperCase();
      const record: RouteRecord = {
        method,
        pattern,
        options: merged,
        middleware: [...(defaults.middleware ?? []), ...(options.middleware ?? [])],
        tags: merged.tags ?? [],
        auth: merged.auth ?? 'required',
        permissions: merged.permissions ?? [],
        rateLimit: options.rateLimit ?? true,
        errors: merged.errors ?? [],
      };
      this.#registry.router.add(method, pattern, { record, chain: undefined });
      this.#registry.records.push(record);
    }
    return this;
  }

  get<S extends RouteSchema>(path: string, handler: Handler, options?: ShortOptions<S>): this {
    return this.route({ ...options, method: 'GET', path, handler });
  }

  post<S extends RouteSchema>(path: string, handler: Handler, options?: ShortOptions<S>): this {
    return this.route({ ...options, method: 'POST', path, handler });
  }

  put<S extends RouteSchema>(path: string, handler: Handler, options?: ShortOptions<S>): this {
    return this.route({ ...options, method: 'PUT', path, handler });
  }

  patch<S extends RouteSchema>(path: string, handler: Handler, options?: ShortOptions<S>): this {
    return this.route({ ...options, method: 'PATCH', path, handler });
  }

  delete<S extends RouteSchema>(path: string, handler: Handler, options?: ShortOptions<S>): this {
    return this.route({ ...options, method: 'DELETE', path, handler });
  }

  /** A nested group: `app.group('/api/v1', { middleware }, (v1) => { … })`. */
  group(prefix: string, options: GroupOptions, register: (group: RouteBuilder) => void): this {
    const parent = this.#defaults;
    const defaults: GroupOptions = {
      middleware: [...(parent.middleware ?? []), ...(options.middleware ?? [])],
      tags: [...(parent.tags ?? []), ...(options.tags ?? [])],
      permissions: [...(parent.permissions ?? []), ...(options.permissions ?? [])],
      errors: [...(parent.errors ?? []), ...(options.errors ?? [])],
      ...(options.auth !== undefined || parent.auth !== undefined
        ? { auth: options.auth ?? parent.auth! }
        : {}),
      ...(options.deprecated !== undefined || parent.deprecated !== undefined
        ? { deprecated: options.deprecated ?? parent.deprecated! }
        : {}),
    };
    register(new RouteBuilder(this.#registry, joinPath(this.#prefix, prefix), defaults));
    return this;
  }
}

function joinPath(prefix: string, path: string): string {
  if (prefix === '' || prefix === '/') return path;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (path === '' || path === '/') return trimmed;
  return trimmed + (path.startsWith('/') ? path : `/${path}`);
}

export type { Middleware };
