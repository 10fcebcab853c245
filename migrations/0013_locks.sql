-- Distributed locks on PostgreSQL (src/adapters/lock/postgres.ts): one row per
-- lock name that was ever taken. A lock is held while its row's expires_at
-- lies ahead of the database clock; token names the current lease, so only
-- its holder can extend or release it. Expired rows are taken over in place
-- rather than deleted, so the table stays as small as the set of lock names.
create table locks (
  name text primary key,
  token uuid not null,
  expires_at timestamptz not null
);
