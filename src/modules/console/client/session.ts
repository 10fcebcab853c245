// Who is signed in, and the sign-in steps: password, then (for an account
// with a second factor) the authenticator code. The session itself is the
// HttpOnly cookie the API sets; the page keeps only the CSRF token and what
// the signed-in user may do.

import { ApiError, request, useCsrfToken } from './api.ts';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly role: string;
}

export interface Session {
  readonly user: User;
  readonly permissions: ReadonlySet<string>;
}

interface BrowserSession {
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** The current session, or undefined when the browser is not signed in. */
export async function currentSession(): Promise<Session | undefined> {
  try {
    const session = await request<BrowserSession>('/api/v1/auth/session');
    useCsrfToken(session.csrfToken);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) {
      return undefined;
    }
    throw error;
  }
  const [user, granted] = await Promise.all([
    request<User>('/api/v1/me'),
    request<{ permissions: string[] }>('/console/api/permissions'),
  ]);
  return { user, permissions: new Set(granted.permissions) };
}

export type SignInStep =
  { readonly done: true } | { readonly done: false; readonly mfaToken: string };

export async function signIn(email: string, password: string): Promise<SignInStep> {
  try {
    const session = await request<BrowserSession>('/api/v1/auth/session', {
      method: 'POST',
      json: { email, password },
    });
    useCsrfToken(session.csrfToken);
    return { done: true };
  } catch (error) {
    const mfaToken = error instanceof ApiError ? error.problem.mfaToken : undefined;
    if (
      error instanceof ApiError &&
      error.code === 'AUTH_MFA_REQUIRED' &&
      typeof mfaToken === 'string'
    ) {
      return { done: false, mfaToken };
    }
    throw error;
  }
}

export async function signInWithCode(mfaToken: string, code: string): Promise<void> {
  const session = await request<BrowserSession>('/api/v1/auth/session/mfa', {
    method: 'POST',
    json: { mfaToken, code },
  });
  useCsrfToken(session.csrfToken);
}

export async function signOut(): Promise<void> {
  try {
    await request('/api/v1/auth/session', { method: 'DELETE' });
  } finally {
    useCsrfToken(undefined);
  }
}
