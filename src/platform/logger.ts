// Structured JSON logs on stdout (12-factor, factor XI): the platform collects
// and ships them. Secrets are removed at the source, before anything leaves
// the process, because a log line cannot be recalled once it is shipped.
import { hostname } from 'node:os';
import { pino } from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';
import { logDestination } from './log-destination.ts';
import { StartupError } from './startup-error.ts';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** pino level name: fatal, error, warn, info, debug, trace or silent. */
  readonly level: string;
  /** Where JSON lines go; stdout when absent. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** Extra fields on every line; may override `service`. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Fields computed for every line (the current trace's ids, when tracing). */
  readonly mixin?: () => Record<string, unknown>;
}

export const SERVICE_NAME = 'throughline';
export const REDACTION_CENSOR = '[redacted]';

/** Field names whose values are credentials wherever they appear. */
const SENSITIVE_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'refreshToken',
  'accessToken',
  'secret',
  'apiKey',
  'mfaToken',
  'csrfToken',
  'recoveryCode',
  'recoveryCodes',
] as const;

/**
 * Credential headers, redacted by pino at their exact paths (cheap: compiled
 * accessors). Sensitive fields elsewhere are caught by `redactFields` below.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

const SENSITIVE: ReadonlySet<string> = new Set(SENSITIVE_FIELDS);
/** Top level, one and two levels deep (`{ user: { credentials: { password } } }`). */
const REDACT_DEPTH = 3;

/** Plain objects only: an Error, a Date or a Buffer keeps its identity (its serializer needs it). */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function holdsSensitive(object: Record<string, unknown>, depth: number): boolean {
  for (const key in object) {
    if (SENSITIVE.has(key)) return true;
    const value = object[key];
    if (depth > 1 && isRecord(value) && holdsSensitive(value, depth - 1)) return true;
  }
  return false;
}

function redactedCopy(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    const value = object[key];
    out[key] = SENSITIVE.has(key)
      ? REDACTION_CENSOR
      : depth > 1 && isRecord(value)
        ? redactedCopy(value, depth - 1)
        : value;
  }
  return out;
}

/**
 * Sensitive fields censored wherever they sit in the first three levels of a
 * line. Pino's wildcard redaction paths did the same at ~50 µs per line (every
 * line walked once per path); this scans each line once and copies only the
 * rare line that holds a credential.
 */
export function redactFields(object: Record<string, unknown>): Record<string, unknown> {
  return holdsSensitive(object, REDACT_DEPTH) ? redactedCopy(object, REDACT_DEPTH) : object;
}

/**
 * pino's own strategy copies every line's fields into the mixin's object,
 * even an empty one. Most lines have nothing to add (a request that is not
 * traced), so those keep their own fields without the copy.
 */
function mixinMergeStrategy(fields: object, extra: object): object {
  for (const _ in extra) return Object.assign(extra, fields);
  return fields;
}

let timestampMs = Number.NaN;
let timestampField = '';

/**
 * pino's ISO time field, formatted once per millisecond. Under load many
 * lines share a millisecond, and formatting a Date for each of them was
 * 2–3 % of a request's CPU on the production pipeline (bench/profile.ts, json).
 */
export function isoTimestamp(): string {
  const now = Date.now();
  if (now !== timestampMs) {
    timestampMs = now;
    timestampField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timestampField;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const loggerOptions: LoggerOptions = {
    level: options.level,
    base: { service: SERVICE_NAME, pid: process.pid, hostname: hostname(), ...options.base },
    timestamp: isoTimestamp,
    // Level names rather than numbers: queryable without a lookup table.
    formatters: { level: (label) => ({ level: label }), log: redactFields },
    redact: { paths: [...REDACTED_PATHS], censor: REDACTION_CENSOR },
    serializers: { err: serializeError, error: serializeError },
    ...(options.mixin === undefined ? {} : { mixin: options.mixin, mixinMergeStrategy }),
  };
  return pino(loggerOptions, options.destination ?? logDestination());
}

export interface SerializedError {
  readonly type: string;
  readonly message: string;
  readonly code?: unknown;
  readonly stack?: string;
  readonly cause?: SerializedError;
  /** The members of an AggregateError. */
  readonly errors?: readonly SerializedError[];
}

const MAX_CAUSE_DEPTH = 8;
const MAX_AGGREGATED = 10;

/**
 * Keeps what an operator needs to diagnose a failure: type, code, message,
 * stack and the `cause` chain, which wrapping errors would otherwise hide.
 * Bounded in depth and safe against cause cycles.
 */
export function serializeError(error: unknown): SerializedError {
  return serialize(error, 0, new Set());
}

function serialize(error: unknown, depth: number, seen: Set<unknown>): SerializedError {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: describeNonError(error) };
  }
  seen.add(error);
  const next = depth + 1;
  const nested = (value: unknown): SerializedError =>
    seen.has(value)
      ? { type: 'Circular', message: '[circular cause]' }
      : serialize(value, next, seen);
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error.cause === undefined || next > MAX_CAUSE_DEPTH ? {} : { cause: nested(error.cause) }),
    ...(error instanceof AggregateError && next <= MAX_CAUSE_DEPTH
      ? { errors: (error.errors as unknown[]).slice(0, MAX_AGGREGATED).map(nested) }
      : {}),
  };
}

function describeNonError(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The last line of a failed start: for a failure the operator can act on
 * (StartupError), its message and details, no stack; for anything else, the
 * error with its stack, since then only the code can tell what went wrong.
 */
export function logStartupFailure(logger: Logger, error: unknown): void {
  if (error instanceof StartupError) {
    logger.fatal({ ...error.details }, `start-up failed: ${error.message}`);
    return;
  }
  logger.fatal({ err: error }, 'start-up failed');
}
