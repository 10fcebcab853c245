// The AppError family. Every error a client can see has a stable code drawn
// from a closed registry: code → HTTP status, log level and public title.
// Modules define their own registries with `defineErrors`; only the HTTP edge
// (problem.ts) turns an AppError into a status and a body.

export type ErrorLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ErrorSpec {
  /** HTTP status the edge answers with. */
  readonly status: number;
  /** Short, public, human-readable summary (RFC 9457 `title`). */
  readonly title: string;
  /** Level the global handler logs the error at. */
  readonly level: ErrorLevel;
}

export type ErrorRegistry = Readonly<Record<string, ErrorSpec>>;

/** Identity helper that keeps the literal code union for a module's registry. */
export function defineErrors<const R extends ErrorRegistry>(registry: R): R {
  return Object.freeze(registry);
}

/** One failure of one input field (RFC 9457 extension member `errors`). */
export interface FieldError {
  /** Dotted path inside the input part, e.g. `items.0.sku`; empty for the part itself. */
  readonly field: string;
  /** Which part of the request the field lives in. */
  readonly in: 'body' | 'query' | 'params' | 'headers';
  /** Stable machine-readable code, e.g. `invalid_type`, `out_of_range`. */
  readonly code: string;
  readonly message: string;
}

export interface AppErrorOptions {
  /** Public, occurrence-specific explanation (RFC 9457 `detail`). Never secrets. */
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** Extra response headers, e.g. `Allow` for 405 or `Retry-After` for 429/503. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra public members merged into the problem body. */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** The underlying cause: logged, never sent. */
  readonly cause?: unknown;
}

export class AppError<C extends string = string> extends Error {
  override readonly name = 'AppError';
  readonly code: C;
  readonly status: number;
  readonly title: string;
  readonly level: ErrorLevel;
  readonly detail: string | undefined;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly extensions: Readonly<Record<string, unknown>> | undefined;

  constructor(code: C, spec: ErrorSpec, options: AppErrorOptions = {}) {
    super(
      options.detail ?? spec.title,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.code = code;
    this.status = spec.status;
    this.title = spec.title;
    this.level = spec.level;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers;
    this.extensions = options.extensions;
  }
}

/** Builds the `xError(code, options)` factory for one registry. */
export function errorFactory<const R extends ErrorRegistry>(registry: R) {
  return function createError<C extends keyof R & string>(
    code: C,
    options?: AppErrorOptions,
  ): AppError<C> {
    return new AppError(code, registry[code]!, options);
  };
}

/**
 * Translates errors from a lower layer (a database driver, a cache client)
 * into AppErrors. The composition root installs mappers; the core stays free
 * of their imports.
 */
export type ErrorMapper = (error: unknown) => AppError | undefined;

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Errors the HTTP core itself can raise. */
export const httpErrors = defineErrors({
  HTTP_BAD_REQUEST: { status: 400, title: 'Bad request', level: 'info' },
  HTTP_MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', level: 'info' },
  HTTP_MALFORMED_PATH: { status: 400, title: 'Malformed request path', level: 'info' },
  HTTP_MALFORMED_BODY: { status: 400, title: 'Malformed request body', level: 'info' },
  HTTP_UNAUTHENTICATED: { status: 401, title: 'Authentication required', level: 'info' },
  HTTP_FORBIDDEN: { status: 403, title: 'Forbidden', level: 'info' },
  HTTP_NOT_FOUND: { status: 404, title: 'Not found', level: 'debug' },
  HTTP_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', level: 'debug' },
  HTTP_NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable', level: 'info' },
  HTTP_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout', level: 'info' },
  HTTP_PRECONDITION_FAILED: { status: 412, title: 'Precondition failed', level: 'info' },
  HTTP_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', level: 'info' },
  HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', level: 'info' },
  HTTP_VALIDATION_FAILED: { status: 422, title: 'Validation failed', level: 'info' },
  HTTP_PRECONDITION_REQUIRED: { status: 428, title: 'Precondition required', level: 'info' },
  HTTP_RATE_LIMITED: { status: 429, title: 'Too many requests', level: 'info' },
  HTTP_HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request header fields too large',
    level: 'info',
  },
  HTTP_INTERNAL: { status: 500, title: 'Internal server error', level: 'error' },
  HTTP_SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', level: 'warn' },
  HTTP_DEADLINE_EXCEEDED: { status: 503, title: 'Request deadline exceeded', level: 'warn' },
});

export type HttpErrorCode = keyof typeof httpErrors;

export const httpError = errorFactory(httpErrors);
