// Column shapes every table file uses: how ids, timestamps and references
// read and write through Kysely. int8 columns come back as strings and
// timestamptz as Date (see type-parsers.ts).

import type { ColumnType } from 'kysely';

/** A bigint id the database assigns: read as string, never written. */
export type Id = ColumnType<string, never, never>;
/** Set by the database on insert, never written. */
export type CreatedAt = ColumnType<Date, never, never>;
/** Set by the database on insert; updates set it. */
export type UpdatedAt = ColumnType<Date, never, Date>;
/** A bigint foreign key: read as string, written as string. */
export type Ref = string;
