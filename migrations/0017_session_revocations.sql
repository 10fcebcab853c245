-- Sign-outs everywhere that must still reach the session store
-- (src/modules/auth/sign-out-everywhere.ts). A password reset or change, a
-- role change or a deletion writes one row in the transaction that makes the
-- change, together with a `user.signed_out_everywhere` outbox event. Right
-- after the commit the request ends the sessions and deletes the row; if that
-- step fails (the sessions live in Redis, and Redis is down) the row stays,
-- and the event's job ends the sessions once it can. A row exists exactly as
-- long as its sign-out has not been carried out.
create table session_revocations (
  id uuid primary key default gen_random_uuid(),
  user_id bigint not null references users (id) on delete cascade,
  -- The instant of the change: sessions the user had then are ended.
  revoke_at timestamptz not null,
  -- The caller's own session, kept on a password change.
  except_session_id uuid,
  created_at timestamptz not null default now()
);
