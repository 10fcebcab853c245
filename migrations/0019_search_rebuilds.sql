-- Runs of `npm run reindex` (scripts/reindex.ts, src/modules/search/rebuild.ts)
-- and where each got to. A run rebuilds the search documents in batches of
-- products in id order; after each batch it records the last id done, so
-- `--resume` carries an interrupted run on from there instead of starting
-- over. `engine` is the search engine's name: a checkpoint of one engine's
-- rebuild means nothing to another's.
create table search_rebuilds (
  id bigint generated always as identity primary key,
  engine text not null,
  batch_size integer not null check (batch_size > 0),
  -- Products done so far, and the last id among them (null before the first batch).
  indexed bigint not null default 0,
  last_id bigint,
  started_at timestamptz not null default now(),
  checkpoint_at timestamptz not null default now(),
  finished_at timestamptz
);

-- What --resume looks up: an engine's latest unfinished run.
create index search_rebuilds_unfinished_idx on search_rebuilds (engine, id desc)
  where finished_at is null;
