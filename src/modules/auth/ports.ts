// What the auth service needs from the outside, as interfaces: the token
// signer (modules/auth/tokens) and the audit log (modules/audit). The
// composition root passes the real ones; nothing here imports them.

import type { Role } from './rbac.ts';

export interface AccessClaims {
  readonly sub: string;
  readonly role: Role;
  readonly scope: readonly string[];
  /** The refresh-token family (login session) the token was issued for. */
  readonly sid: string | undefined;
}

export interface AccessTokens {
  issue(claims: AccessClaims): Promise<{ token: string; expiresIn: number }>;
  /** Resolves the claims or throws a 401 AppError. */
  verify(token: string): Promise<AccessClaims>;
}

export interface AuditEntry {
  readonly action: string;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly actorId?: string | undefined;
  readonly actorIp?: string | undefined;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}
