// The API key tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType } from 'kysely';
import type { Id, Ref } from '../../platform/sql/columns.ts';
import type { UsersDatabase } from '../users/tables.ts';

export interface ApiKeysTable {
  id: Id;
  user_id: Ref;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The tables this code owns, as Kysely sees them. */
export type ApiKeysTables = {
  api_keys: ApiKeysTable;
};

/**
 * Every table api-keys code reads or writes: its own, and those of the
 * modules it calls within one transaction.
 */
export interface ApiKeysDatabase extends ApiKeysTables, UsersDatabase {}
