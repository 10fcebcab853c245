-- A position in the stream of relayed events, for realtime clients that
-- resume (src/modules/realtime/): "everything after the last one I saw".
--
-- The outbox id is a random uuid, and even a sequential id would not do: ids
-- are taken when a transaction inserts, but transactions commit in another
-- order, so a reader that saw id 105 could later find a 104 it never got.
-- The relay numbers the rows it relays instead, from this sequence, while it
-- holds a transaction-level advisory lock (relay.ts): passes are serialised,
-- so a number is handed out only after every smaller one has committed, and
-- "after N" never skips a row. Null until relayed.
create sequence outbox_relay_seq;

alter table outbox add column relay_seq bigint;

-- Resume reads "after N, in order"; unique, so a position names one event.
create unique index outbox_relay_seq_idx on outbox (relay_seq) where relay_seq is not null;
