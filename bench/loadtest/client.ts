// One request of a journey over the global fetch, reduced to what the
// report needs: the status (or `network`/`timeout` when none came), the
// problem's stable code, and the JSON body. The body is always read to the
// end, so the connection goes back to the pool.

export interface Answer {
  readonly status: number | 'network' | 'timeout';
  /** The problem+json `code`, the network error's code, or `none`. */
  readonly code: string;
  readonly body: unknown;
}

export interface Request {
  readonly method?: 'GET' | 'POST';
  readonly token?: string;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export async function send(baseUrl: string, path: string, request: Request): Promise<Answer> {
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method: request.method ?? 'GET',
      signal: AbortSignal.timeout(request.timeoutMs),
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      headers: {
        accept: 'application/json',
        ...(request.json === undefined ? {} : { 'content-type': 'application/json' }),
        ...(request.token === undefined ? {} : { authorization: `Bearer ${request.token}` }),
        ...request.headers,
      },
    });
    const text = await res.text();
    const body = parseJson(text);
    return { status: res.status, code: problemCode(body), body };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return { status: 'timeout', code: 'none', body: undefined };
    }
    return { status: 'network', code: networkCode(error), body: undefined };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function problemCode(body: unknown): string {
  const code = (body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'none';
}

/** fetch's TypeError carries the socket's error (ECONNRESET, UND_ERR_SOCKET…) as its cause. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? cause.code : 'unknown';
}
