// The authentication tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';
import type { Id, Ref } from '../../platform/sql/columns.ts';
import type { UsersDatabase } from '../users/tables.ts';

export interface RefreshTokensTable {
  id: Id;
  family_id: string;
  user_id: Ref;
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  last_failure_at: Date;
  locked_until: Date | null;
}

export interface SessionsTable {
  id: string;
  user_id: Ref;
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

export interface UserMfaTable {
  user_id: Ref;
  secret_ciphertext: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  confirmed_at: Date | null;
  /** int8: read as string. */
  last_used_step: ColumnType<string | null, number | null, number | null>;
}

export interface MfaRecoveryCodesTable {
  id: Id;
  user_id: Ref;
  code_hash: string;
  used_at: Date | null;
}

export interface MfaChallengesTable {
  token_hash: string;
  user_id: Ref;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  attempts: Generated<number>;
  used_at: Date | null;
}

export interface UserTokensTable {
  id: Id;
  user_id: Ref;
  purpose: 'verify_email' | 'reset_password';
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
}

/** Sign-outs not yet carried out in the session store (migrations/0017_session_revocations.sql). */
export interface SessionRevocationsTable {
  id: Generated<string>;
  user_id: string;
  revoke_at: Date;
  except_session_id: string | null;
  created_at: Generated<Date>;
}

/** Sign-ins started at an OpenID Connect provider (migrations/0024_identity_providers.sql). */
export interface OidcLoginAttemptsTable {
  state_hash: string;
  provider: string;
  nonce: string;
  code_verifier_ciphertext: string;
  response_kind: 'session' | 'tokens';
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
}

export interface UserIdentitiesTable {
  id: Id;
  user_id: Ref;
  provider: string;
  subject: string;
  email: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
}

export interface OidcPendingLinksTable {
  token_hash: string;
  user_id: Ref;
  provider: string;
  subject: string;
  email: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
}

export interface WebauthnCredentialsTable {
  id: Id;
  user_id: Ref;
  credential_id: string;
  public_key: string;
  /** int8: read as string. */
  sign_count: ColumnType<string, number, number>;
  transports: string[];
  device_type: string;
  backed_up: boolean;
  name: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface WebauthnCeremoniesTable {
  id: string;
  purpose: 'register' | 'sign_in' | 'second_factor';
  challenge: string;
  user_id: Ref | null;
  mfa_token_hash: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
}

/** The tables this code owns, as Kysely sees them. */
export type AuthTables = {
  refresh_tokens: RefreshTokensTable;
  login_throttle: LoginThrottleTable;
  sessions: SessionsTable;
  user_mfa: UserMfaTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  user_tokens: UserTokensTable;
  session_revocations: SessionRevocationsTable;
  oidc_login_attempts: OidcLoginAttemptsTable;
  user_identities: UserIdentitiesTable;
  oidc_pending_links: OidcPendingLinksTable;
  webauthn_credentials: WebauthnCredentialsTable;
  webauthn_ceremonies: WebauthnCeremoniesTable;
};

/**
 * Every table auth code reads or writes: its own, and those of the
 * modules it calls within one transaction.
 */
export interface AuthDatabase extends AuthTables, UsersDatabase {}
