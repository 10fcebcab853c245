// A JSON client for service tests: one base URL, optional bearer token, and
// the sign-up/sign-in steps most trust tests start with.

import assert from 'node:assert/strict';

export interface CallInit extends Omit<RequestInit, 'body' | 'headers'> {
  readonly token?: string;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

export interface ApiClient {
  call(path: string, init?: CallInit): Promise<Response>;
  register(email: string, password: string): Promise<{ id: string; email: string }>;
  login(email: string, password: string): Promise<TokenPair>;
}

export function apiClient(baseUrl: string): ApiClient {
  const call = (path: string, init: CallInit = {}) => {
    const { token, json, headers, ...rest } = init;
    return fetch(`${baseUrl}${path}`, {
      ...rest,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      headers: {
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
    });
  };
  return {
    call,
    async register(email, password) {
      const res = await untilAnswered(() =>
        call('/api/v1/auth/register', { method: 'POST', json: { email, password } }),
      );
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as { id: string; email: string };
    },
    async login(email, password) {
      const res = await untilAnswered(() =>
        call('/api/v1/auth/login', { method: 'POST', json: { email, password } }),
      );
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as TokenPair;
    },
  };
}

/**
 * Sign-up and sign-in fail closed (503) while their limiter's Redis does not
 * answer within its command timeout, which a loaded machine can cause for a
 * moment even with Redis up. These helpers set a test up, so they retry for
 * a while; tests about that 503 call the route themselves.
 */
async function untilAnswered(send: () => Promise<Response>): Promise<Response> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const res = await send();
    if (res.status !== 503 || performance.now() > deadline) return res;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The problem's stable `code` (and the body, for further checks). */
export async function problemCode(res: Response): Promise<string> {
  const body = (await res.json()) as { code?: string };
  return String(body.code);
}
