// What the auth service needs from the outside, as interfaces: the token
// signer (modules/auth/tokens); the audit log is the audit port
// (ports/audit.ts). The composition root passes the real ones; nothing here
// imports them.

import type { Role } from '../users/rbac.ts';

export interface AccessClaims {
  readonly sub: string;
  readonly role: Role;
  readonly scope: readonly string[];
  /** The refresh-token family (login session) the token was issued for. */
  readonly sid: string | undefined;
  /** When a verified token expires, in seconds since the epoch (absent when issuing). */
  readonly expiresAt?: number;
}

export interface AccessTokens {
  issue(claims: AccessClaims): Promise<{ token: string; expiresIn: number }>;
  /** Resolves the claims or throws a 401 AppError. */
  verify(token: string): Promise<AccessClaims>;
}
