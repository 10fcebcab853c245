-- Addresses the service no longer mails (src/modules/mail/): a hard bounce or
-- a complaint reported by the mail provider, too many soft bounces, or an
-- administrator's decision. Sending to them again harms the sender's
-- reputation (and, after a complaint, ignores the recipient's wish). Every
-- send checks this table first (suppressing-mailer.ts).
create table mail_suppressions (
  id bigint generated always as identity primary key,
  -- Normalised: trimmed and lower-cased, so one mailbox is one row.
  address text not null,
  reason text not null,
  -- Where it came from: the provider event's id and diagnostic, or the admin's note.
  detail text not null default '',
  created_at timestamptz not null default now(),
  constraint mail_suppressions_address_key unique (address),
  constraint mail_suppressions_address_check check (address = lower(btrim(address)) and address <> ''),
  constraint mail_suppressions_reason_check
    check (reason in ('hard_bounce', 'complaint', 'manual', 'soft_bounce_limit'))
);

-- Soft bounces (mailbox full, greylisting…) count only within a window: one
-- row per provider event, keyed by the event's id so a redelivered event
-- counts once. Rows older than the window are pruned as new ones arrive.
create table mail_soft_bounces (
  event_id text primary key,
  address text not null,
  bounced_at timestamptz not null,
  constraint mail_soft_bounces_address_check check (address = lower(btrim(address)))
);

create index mail_soft_bounces_address_idx on mail_soft_bounces (address, bounced_at);
