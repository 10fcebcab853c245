-- The audit log: who did what to which record, when, from where, and how it
-- ended. Rows are only ever appended, and each row carries the SHA-256 of its
-- predecessor's hash and its own content (modules/audit/chain.ts), so any
-- later edit, deletion, reordering or forged row shows up on verification.

create table audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null,
  actor_id text,
  actor_ip text,
  action text not null,
  target_type text,
  target_id text,
  outcome text not null,
  details jsonb not null default '{}',
  prev_hash text not null,
  hash text not null,
  constraint audit_log_outcome_check check (outcome in ('success', 'failure', 'denied')),
  constraint audit_log_details_object check (jsonb_typeof(details) = 'object'),
  constraint audit_log_hash_format check (hash ~ '^[0-9a-f]{64}$' and prev_hash ~ '^[0-9a-f]{64}$'),
  constraint audit_log_hash_key unique (hash),
  -- Every entry has at most one successor: if two appends ever read the same
  -- head (a bug, or a caller outside read committed), the second insert
  -- fails instead of silently forking the chain.
  constraint audit_log_prev_hash_key unique (prev_hash)
);

-- list({ action }) walks one action newest first.
create index audit_log_action_id_idx on audit_log (action, id desc);

-- Append-only, enforced by the database rather than by convention: UPDATE,
-- DELETE and TRUNCATE (which skips row-level triggers) all raise.
--
-- This stops the application and anyone using its normal paths, not an
-- attacker with superuser or owner rights: they can `alter table ... disable
-- trigger` or `set session_replication_role = replica` and rewrite rows. That
-- is why the hash chain exists: tampering that the trigger cannot prevent,
-- verification detects.
create function audit_log_immutable() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end;
$$;

create trigger audit_log_no_update_delete
  before update or delete on audit_log
  for each row execute function audit_log_immutable();

create trigger audit_log_no_truncate
  before truncate on audit_log
  for each statement execute function audit_log_immutable();
