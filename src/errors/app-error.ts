// The AppError: every error a client can see has a stable code drawn from a
// closed registry (registry.ts), which gives it an HTTP status, a log level
// and a public title. Any layer may raise one; only the HTTP edge
// (http/response/problem.ts) turns it into a response.

import type { FieldError } from './field-error.ts';

export type ErrorLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ErrorSpec {
  /** HTTP status the edge answers with. */
  readonly status: number;
  /** Short, public, human-readable summary (RFC 9457 `title`). */
  readonly title: string;
  /** Level the global handler logs the error at. */
  readonly level: ErrorLevel;
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

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
