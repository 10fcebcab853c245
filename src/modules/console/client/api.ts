// The console's one way to the JSON API: same-origin requests carrying the
// session cookie, with the CSRF token in `X-CSRF-Token` on every unsafe
// method (the auth module's double check: Origin and the token). Problems
// (RFC 9457) become ApiError with their stable `code`.

export const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly problem: Readonly<Record<string, unknown>>;

  constructor(status: number, problem: Readonly<Record<string, unknown>>) {
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    super(detail === undefined ? title : `${title}: ${detail}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof problem.code === 'string' ? problem.code : undefined;
    this.problem = problem;
  }
}

let csrfToken: string | undefined;

/** Kept in memory only: a reload asks GET /api/v1/auth/session for it again. */
export function useCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly json?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly signal?: AbortSignal | undefined;
}

/** Called when the session is gone (expired, signed out elsewhere): the page shows sign-in. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers[CSRF_HEADER] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.json !== undefined) init.body = JSON.stringify(options.json);
  if (options.signal !== undefined) init.signal = options.signal;
  const response = await fetch(url, init);
  if (response.status === 204 || response.status === 202) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const problem =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const error = new ApiError(response.status, problem);
    const signInStep = path.startsWith('/api/v1/auth/session');
    if (response.status === 401 && !signInStep) onSignedOut();
    throw error;
  }
  return body as T;
}

/** A list response's next page, as the API links it (`links.next`), or undefined. */
export function nextLink(body: { links?: { next?: string | null } }): string | undefined {
  return body.links?.next ?? undefined;
}
