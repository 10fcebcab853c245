// The feature_flags table: rows to definitions and back.

import type { Kysely, Selectable } from 'kysely';
import type { FlagDefinition, RolloutSlice, TargetingRule } from './evaluate.ts';
import type { FeatureFlagsTable, FlagsTables } from './tables.ts';

type Row = Selectable<FeatureFlagsTable>;
type Db = Kysely<FlagsTables>;

/** The stored parts of a definition: what create and update write. */
export type FlagValues = Omit<FlagDefinition, 'key' | 'version' | 'createdAt' | 'updatedAt'>;

function toDefinition(row: Row): FlagDefinition {
  return {
    key: row.key,
    description: row.description,
    kind: row.kind,
    variants: row.variants,
    defaultVariant: row.default_variant,
    offVariant: row.off_variant,
    rules: row.rules as TargetingRule[],
    rollout: row.rollout as RolloutSlice[],
    killed: row.killed,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function columns(values: FlagValues) {
  return {
    description: values.description,
    kind: values.kind,
    variants: JSON.stringify(values.variants),
    default_variant: values.defaultVariant,
    off_variant: values.offVariant,
    rules: JSON.stringify(values.rules),
    rollout: JSON.stringify(values.rollout),
    killed: values.killed,
  };
}

export async function listFlags(db: Db): Promise<FlagDefinition[]> {
  const rows = await db.selectFrom('feature_flags').selectAll().orderBy('key').execute();
  return rows.map(toDefinition);
}

export async function findFlag(db: Db, key: string): Promise<FlagDefinition | undefined> {
  const row = await db
    .selectFrom('feature_flags')
    .selectAll()
    .where('key', '=', key)
    .executeTakeFirst();
  return row === undefined ? undefined : toDefinition(row);
}

/** Undefined when a flag with that key exists. */
export async function insertFlag(
  db: Db,
  key: string,
  values: FlagValues,
): Promise<FlagDefinition | undefined> {
  const row = await db
    .insertInto('feature_flags')
    .values({ key, ...columns(values) })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toDefinition(row);
}

/** Undefined when there is no such flag, or its version is no longer `version`. */
export async function updateFlag(
  db: Db,
  key: string,
  version: number,
  values: FlagValues,
  at: Date,
): Promise<FlagDefinition | undefined> {
  const row = await db
    .updateTable('feature_flags')
    .set({ ...columns(values), updated_at: at, version: version + 1 })
    .where('key', '=', key)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toDefinition(row);
}

export async function deleteFlag(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('feature_flags').where('key', '=', key).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
