// Sending one generated request, with a deadline, and judging the answer.
//
// Every answer must be free of server errors, arrive in time, and, when it
// refuses, be problem+json with a stable code. Beyond that it depends on the
// request: valid input may only be refused for a reason the document gives —
// a status it lists for the operation with a problem code it names there
// (a missing product's 404, an illegal transition's 409, short funds' 422),
// never a refusal of the input itself (validation, malformed body) — and
// invalid input must not be accepted.

import { request } from 'node:http';
import type { FuzzFindingKind } from '../../support/contract/known-gaps.ts';
import type { MismatchKind } from '../../support/contract/response-check.ts';
import { type GeneratedCase, type OperationModel, type RequestInput } from './operation.ts';

export interface Sent {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export interface Outcome {
  /** 0 when no response arrived. */
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** Set when no complete response arrived: `timeout`, or the connection's error. */
  readonly failure?: string;
  readonly ms: number;
}

export type FindingKind =
  FuzzFindingKind | MismatchKind | 'server-error' | 'hang' | 'not-problem' | 'no-response';

export interface Finding {
  readonly kind: FindingKind;
  readonly status: number;
  readonly detail: string;
}

/** `input` as an HTTP request to `model`'s operation. */
export function requestFor(
  base: string,
  model: OperationModel,
  input: RequestInput,
  auth: Readonly<Record<string, string>>,
): Sent {
  const path = model.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(input.path[name] ?? ''),
  );
  const query = new URLSearchParams(input.query).toString();
  const body =
    input.body === undefined
      ? undefined
      : (input.body.raw ?? JSON.stringify(input.body.json) ?? 'null');
  return {
    method: model.method,
    url: `${base}${path}${query === '' ? '' : `?${query}`}`,
    headers: {
      ...auth,
      ...input.headers,
      ...(input.body === undefined ? {} : { 'content-type': input.body.mediaType }),
    },
    body,
  };
}

/**
 * Sends `sent`. A connection that fails before any answer is tried once more
 * (a pooled keep-alive connection the server closed an instant earlier
 * fails that way, through no fault of the request); `retried` says so.
 */
export async function send(
  sent: Sent,
  timeoutMs: number,
): Promise<Outcome & { readonly retried: boolean }> {
  const first = await sendOnce(sent, timeoutMs);
  if (first.failure === undefined || first.failure === 'timeout')
    return { ...first, retried: false };
  return { ...(await sendOnce(sent, timeoutMs)), retried: true };
}

/**
 * A path with a `.` or `..` segment, which a WHATWG URL (fetch, a browser)
 * resolves away before sending — `/blobs/..` would arrive as `/`. Such a
 * request goes out as written, the way `curl --path-as-is` or a hostile
 * client sends it, so the server sees the traversal attempt itself.
 */
function hasDotSegment(url: string): boolean {
  const path = new URL(url).origin.length;
  return url
    .slice(path)
    .split(/[?#]/, 1)[0]!
    .split('/')
    .some((segment) => segment === '.' || segment === '..');
}

async function sendOnce(sent: Sent, timeoutMs: number): Promise<Outcome> {
  if (hasDotSegment(sent.url)) return sendAsWritten(sent, timeoutMs);
  const started = performance.now();
  try {
    const res = await fetch(sent.url, {
      method: sent.method,
      headers: sent.headers,
      ...(sent.body === undefined ? {} : { body: sent.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const contentType = res.headers.get('content-type') ?? '';
    // An event stream stays open until the client leaves: its status and
    // headers are the answer; the stream itself is left unread.
    const streaming = res.ok && contentType.startsWith('text/event-stream');
    if (streaming) await res.body?.cancel();
    const text = streaming ? '' : await res.text();
    return {
      status: res.status,
      contentType,
      text,
      ms: performance.now() - started,
    };
  } catch (error) {
    const { name, message, cause } = error as Error;
    return {
      status: 0,
      contentType: '',
      text: '',
      failure:
        name === 'TimeoutError'
          ? 'timeout'
          : `${name}: ${message}${cause instanceof Error ? ` (${cause.message})` : ''}`,
      ms: performance.now() - started,
    };
  }
}

function sendAsWritten(sent: Sent, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  const { origin } = new URL(sent.url);
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const req = request(
      {
        host: hostname,
        port,
        method: sent.method,
        path: sent.url.slice(origin.length),
        headers: sent.headers,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          });
        });
      },
    );
    const fail = (failure: string): void => {
      resolve({ status: 0, contentType: '', text: '', failure, ms: performance.now() - started });
    };
    req.on('timeout', () => {
      req.destroy();
      fail('timeout');
    });
    req.on('error', (error) => {
      fail(`${error.name}: ${error.message}`);
    });
    req.end(sent.body);
  });
}

/** Codes that refuse the input itself: never the answer to input the document allows. */
const INPUT_REFUSALS = new Set([
  'HTTP_VALIDATION_FAILED',
  'HTTP_BAD_REQUEST',
  'HTTP_MALFORMED_JSON',
  'HTTP_MALFORMED_BODY',
  'HTTP_MALFORMED_PATH',
  'HTTP_UNSUPPORTED_MEDIA_TYPE',
  'HTTP_PAYLOAD_TOO_LARGE',
]);

interface ProblemView {
  readonly code?: unknown;
  readonly errors?: readonly { in?: string; field?: string; code?: string }[];
}

/** What is wrong with `outcome` as the answer to `generated`. */
export function judge(
  model: OperationModel,
  generated: GeneratedCase,
  outcome: Outcome,
): Finding[] {
  if (outcome.failure === 'timeout')
    return [{ kind: 'hang', status: 0, detail: 'no answer in time' }];
  if (outcome.failure !== undefined) {
    return [{ kind: 'no-response', status: 0, detail: outcome.failure }];
  }
  const status = outcome.status;
  const problem = problemOf(outcome);
  const code = typeof problem?.code === 'string' ? problem.code : undefined;
  if (status >= 500) {
    return [{ kind: 'server-error', status, detail: code ?? outcome.text.slice(0, 120) }];
  }
  const findings: Finding[] = [];
  if (status >= 400 && code === undefined) {
    findings.push({
      kind: 'not-problem',
      status,
      detail: `${outcome.contentType || 'no content-type'}: ${outcome.text.slice(0, 120)}`,
    });
  }
  if (generated.kind === 'valid' && status >= 400) {
    const named = model.codes.get(String(status));
    const explained =
      model.documented.has(String(status)) &&
      code !== undefined &&
      !INPUT_REFUSALS.has(code) &&
      (named === undefined || named.has(code));
    if (!explained) {
      findings.push({ kind: 'valid-refused', status, detail: refusal(code, problem) });
    }
  }
  if (generated.kind === 'invalid' && status >= 200 && status < 300) {
    findings.push({
      kind: 'invalid-accepted',
      status,
      detail: `${generated.mutation ?? ''} (${generated.reason ?? ''})`,
    });
  }
  return findings;
}

function problemOf(outcome: Outcome): ProblemView | undefined {
  if (!outcome.contentType.startsWith('application/problem+json')) return undefined;
  try {
    return JSON.parse(outcome.text) as ProblemView;
  } catch {
    return undefined;
  }
}

/** `HTTP_VALIDATION_FAILED body.email:invalid_format` — the code, and each field with its own. */
function refusal(code: string | undefined, problem: ProblemView | undefined): string {
  const fields = (problem?.errors ?? []).map(
    (e) => `${e.in ?? '?'}.${e.field ?? '?'}:${e.code ?? '?'}`,
  );
  return [code ?? 'no code', ...new Set(fields)].join(' ');
}

/** A request and its answer as a reader reproduces it (curl syntax). */
export function describeExchange(sent: Sent, outcome: Outcome): string {
  const headers = Object.entries(sent.headers)
    .map(([name, value]) => ` -H ${shellQuote(`${name}: ${value}`)}`)
    .join('');
  const body =
    sent.body === undefined
      ? ''
      : ` --data-binary ${shellQuote(sent.body.length > 400 ? `${sent.body.slice(0, 400)}…` : sent.body)}`;
  return [
    `curl -X ${sent.method} ${shellQuote(sent.url)}${headers}${body}`,
    `→ ${outcome.status} ${outcome.contentType} ${outcome.text.slice(0, 400)}`,
  ].join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
