// The outbox tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';

/** Domain events waiting for the relay (src/modules/events/, migrations/0011_outbox.sql). */
export interface OutboxTable {
  id: Generated<string>;
  type: string;
  aggregate_id: string;
  /** jsonb: written as JSON text. */
  payload: ColumnType<unknown, string, never>;
  occurred_at: ColumnType<Date, Date | undefined, never>;
  relayed_at: Date | null;
  /**
   * The event's position among relayed events, numbered by the relay
   * (migrations/0021_outbox_relay_seq.sql); null until relayed. Read it as
   * text: a bigint does not fit a JS number.
   */
  relay_seq: ColumnType<string | null, never, string>;
}

/** The tables this code owns, as Kysely sees them. */
export type EventsTables = {
  outbox: OutboxTable;
};
