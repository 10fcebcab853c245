// Credentials past their expiry are dead rows: nothing accepts them, and
// every lookup already checks the time. The maintenance schedule removes
// them (src/wiring/maintenance.ts) a day after they expired — the day keeps a
// refusal explainable from the tables (a refresh token presented just after
// its expiry, a reset link clicked late) and is far longer than any window
// that counts rows (the per-address mail limit looks back 15 minutes).

import type { AuthDatabase } from './tables.ts';
import { deleteExpired } from '../../platform/sql/delete-expired.ts';
import type { SqlDatabase } from '../../ports/sql.ts';

export const EXPIRED_CREDENTIALS_KEPT_MS = 24 * 3600_000;

const CREDENTIAL_TABLES = [
  { table: 'sessions', key: 'id', time: 'expires_at' },
  { table: 'refresh_tokens', key: 'id', time: 'expires_at' },
  { table: 'mfa_challenges', key: 'token_hash', time: 'expires_at' },
  { table: 'user_tokens', key: 'id', time: 'expires_at' },
  // Sign-ins started at a provider, pending provider links, passkey ceremonies.
  { table: 'oidc_login_attempts', key: 'state_hash', time: 'expires_at' },
  { table: 'oidc_pending_links', key: 'token_hash', time: 'expires_at' },
  { table: 'webauthn_ceremonies', key: 'id', time: 'expires_at' },
] as const;

/** Removes credentials that expired more than a day before `at`; rows removed per table. */
export async function purgeExpiredCredentials(
  sql: SqlDatabase<AuthDatabase>,
  at: Date = new Date(),
): Promise<Record<string, number>> {
  const before = new Date(at.getTime() - EXPIRED_CREDENTIALS_KEPT_MS);
  const removed: Record<string, number> = {};
  for (const rows of CREDENTIAL_TABLES) {
    removed[rows.table] = await deleteExpired(sql.db, rows, before);
  }
  return removed;
}
