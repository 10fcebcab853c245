// One request of the crash workload, and what its answer means when the
// server may die under it. A request either gets an answer (2xx: the write
// is acknowledged and must survive; a 4xx: refused, definitely) or it does
// not (the connection was cut, or a 5xx): then its outcome is unknown, and
// `perform` sends it again, unchanged, once a server is up, until one attempt
// gets a definite answer. How each operation reads that answer after a lost
// attempt is decided where the operation is defined (operations.ts).

import { setTimeout as delay } from 'node:timers/promises';
import type { OpRecord, Workload } from './model.ts';

/** A stuck request is cut after this long and counts as lost (and is retried). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Any request answered this many times without a definite answer fails the run. */
const MAX_ATTEMPTS = 100;

export interface Answer {
  readonly status: number;
  /** The stored response of an earlier attempt with the same Idempotency-Key. */
  readonly replayed: boolean;
  readonly body: Record<string, unknown>;
}

export type Reply = Answer | { readonly lost: string };

export interface Session {
  readonly email: string;
  readonly password: string;
  token: string;
}

export interface RequestContext {
  readonly url: string;
  /** Resolves while a server serves; rejects once none can start again. */
  up(): Promise<void>;
  readonly workload: Workload;
}

export interface SendInit {
  readonly token?: string;
  readonly json?: unknown;
  readonly idempotencyKey?: string;
}

export async function send(
  ctx: RequestContext,
  method: 'GET' | 'POST',
  path: string,
  init: SendInit = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
  const write = method !== 'GET';
  if (write) ctx.workload.inFlightWrites += 1;
  let status: number;
  let replayed: boolean;
  let text: string;
  try {
    const res = await fetch(`${ctx.url}${path}`, {
      method,
      headers,
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = res.status;
    replayed = res.headers.get('idempotent-replayed') === 'true';
    // Read in full here: a body cut short is a lost answer too.
    text = await res.text();
  } catch (error) {
    return { lost: describeError(error) };
  } finally {
    if (write) ctx.workload.inFlightWrites -= 1;
  }
  const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  return { status, replayed, body };
}

/**
 * Sends until one attempt gets a definite answer (below 500). A lost attempt
 * makes the record's first answer `unknown`.
 */
export async function perform(
  ctx: RequestContext,
  record: OpRecord,
  attempt: () => Promise<Reply>,
): Promise<Answer> {
  for (;;) {
    if (record.attempts >= MAX_ATTEMPTS) {
      throw new Error(`${describeOp(record)}: no definite answer in ${MAX_ATTEMPTS} attempts`);
    }
    await ctx.up();
    record.attempts += 1;
    const reply = await attempt();
    if ('lost' in reply || reply.status >= 500) {
      if (!('lost' in reply)) {
        ctx.workload.serverErrors.push(`${reply.status} ${describeOp(record)}: ${bodyText(reply)}`);
      }
      record.first ??= 'unknown';
      // The server may not be marked down yet: do not spin on it.
      await delay(10);
      continue;
    }
    record.first ??= reply.status < 300 ? 'acknowledged' : 'refused';
    ctx.workload.answered += 1;
    return reply;
  }
}

/** A call with the session's token; signs in again once if the token was refused. */
export async function withSession(
  ctx: RequestContext,
  session: Session,
  call: (token: string) => Promise<Reply>,
): Promise<Reply> {
  const reply = await call(session.token);
  if ('lost' in reply || reply.status !== 401) return reply;
  await signIn(ctx, session);
  return call(session.token);
}

/** Signs in (through restarts); fails the run if the account's password is refused. */
export async function signIn(ctx: RequestContext, session: Session): Promise<void> {
  const record: OpRecord = {
    kind: 'sign-in',
    loop: -1,
    subject: session.email,
    first: undefined,
    attempts: 0,
    outcome: undefined,
  };
  const answer = await perform(ctx, record, () =>
    send(ctx, 'POST', '/api/v1/auth/login', {
      json: { email: session.email, password: session.password },
    }),
  );
  if (answer.status !== 200) unexpected(record, answer);
  session.token = String(answer.body.accessToken);
}

export function unexpected(record: OpRecord, answer: Answer, why = 'unexpected answer'): never {
  throw new Error(`${describeOp(record)}: ${why}: ${answer.status} ${bodyText(answer)}`);
}

export function problemCode(answer: Answer): string | undefined {
  return typeof answer.body.code === 'string' ? answer.body.code : undefined;
}

export function describeOp(record: OpRecord): string {
  return `${record.kind} ${record.subject} (client ${record.loop}, ${record.attempts} attempts, first ${record.first ?? 'not sent'})`;
}

function bodyText(answer: Answer): string {
  return JSON.stringify(answer.body).slice(0, 500);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  return [error.name, error.message, cause?.code, cause?.message].filter(Boolean).join(': ');
}
