// The users tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { Generated } from 'kysely';
import type { CreatedAt, Id, UpdatedAt } from '../../platform/sql/columns.ts';
import type { EventsTables } from '../events/tables.ts';

export interface UsersTable {
  id: Id;
  email: string;
  password_hash: string;
  role: Generated<'admin' | 'editor' | 'customer'>;
  display_name: Generated<string>;
  email_verified_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Date | null;
}

/** The tables this code owns, as Kysely sees them. */
export type UsersTables = {
  users: UsersTable;
};

/**
 * Every table users code reads or writes: its own, and those of the
 * modules it calls within one transaction.
 */
export interface UsersDatabase extends UsersTables, EventsTables {}
