// The feature-flag table, as Kysely sees it (migrations/0023_feature_flags.sql).

import type { ColumnType } from 'kysely';
import type { CreatedAt, UpdatedAt } from '../../platform/sql/columns.ts';

/** jsonb: written as JSON text, read back parsed. */
type Json<T> = ColumnType<T, string, string>;

export interface FeatureFlagsTable {
  key: ColumnType<string, string, never>;
  description: ColumnType<string, string | undefined, string>;
  kind: 'boolean' | 'multivariate';
  variants: Json<Record<string, unknown>>;
  default_variant: string;
  off_variant: string;
  rules: Json<unknown[]>;
  rollout: Json<unknown[]>;
  killed: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  version: ColumnType<number, never, number>;
}

export interface FlagsTables {
  feature_flags: FeatureFlagsTable;
}
