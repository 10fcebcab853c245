-- Payments: wallets, transfers between them, and a double-entry ledger.
--
-- A transfer moves one amount from one wallet to another; it is recorded as
-- the transfer row plus two ledger entries (the source debited, the
-- destination credited) whose signed amounts sum to zero. Wallet balances
-- are kept next to the ledger for cheap reads and row locks, and must always
-- equal the sum of the wallet's entries.
--
-- What the code must never do, the database refuses:
-- - a user or merchant wallet going negative (CHECK; the code checks first
--   and answers PAYMENTS_INSUFFICIENT_FUNDS, this is the backstop);
-- - a transfer whose entries do not balance, do not match its source,
--   destination and amount, or move money between the wrong kinds of wallet
--   (a deferred constraint trigger, checked at commit, so a transfer and its
--   entries can be written in any order within one transaction);
-- - rewriting history: transfers and entries are append-only.
--
-- Amounts are integer minor units in bigint, capped at 2^53 - 1 so every
-- value is exact as a JSON number.

-- Currencies money may be held in. A second currency is a row here (its
-- merchant and funding wallets are created on first use), not a schema change.
create table currencies (
  code char(3) primary key,
  constraint currencies_code_format check (code ~ '^[A-Z]{3}$')
);

insert into currencies (code) values ('EUR');

-- One wallet per user and currency, created on first use; one merchant
-- wallet (the shop is paid into it) and one funding wallet (the source of
-- admin credits, the only wallet allowed below zero: its balance is minus
-- everything ever credited) per currency.
create table wallets (
  id bigint generated always as identity primary key,
  kind text not null default 'user',
  user_id bigint references users (id) on delete restrict,
  currency char(3) not null references currencies (code) on delete restrict,
  balance bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint wallets_kind_check check (kind in ('user', 'merchant', 'funding')),
  constraint wallets_owner_check check ((kind = 'user') = (user_id is not null)),
  constraint wallets_user_currency_key unique (user_id, currency),
  constraint wallets_balance_nonnegative check (kind = 'funding' or balance >= 0),
  constraint wallets_balance_exact check (abs(balance) <= 9007199254740991)
);

create unique index wallets_system_currency_key on wallets (kind, currency)
  where user_id is null;

insert into wallets (kind, currency) values ('funding', 'EUR'), ('merchant', 'EUR');

create table transfers (
  id bigint generated always as identity primary key,
  kind text not null,
  from_wallet_id bigint not null references wallets (id) on delete restrict,
  to_wallet_id bigint not null references wallets (id) on delete restrict,
  amount bigint not null,
  currency char(3) not null references currencies (code) on delete restrict,
  -- Set exactly for an order's payment and its refund.
  order_id bigint references orders (id) on delete restrict,
  -- Who asked for it; null for the system (the demo data).
  initiated_by bigint references users (id) on delete restrict,
  created_at timestamptz not null default now(),
  constraint transfers_kind_check
    check (kind in ('transfer', 'order_payment', 'refund', 'credit')),
  constraint transfers_amount_positive check (amount > 0 and amount <= 9007199254740991),
  constraint transfers_distinct_wallets check (from_wallet_id <> to_wallet_id),
  constraint transfers_order_link
    check ((kind in ('order_payment', 'refund')) = (order_id is not null))
);

-- An order is paid at most once and refunded at most once.
create unique index transfers_order_payment_key on transfers (order_id)
  where kind = 'order_payment';
create unique index transfers_order_refund_key on transfers (order_id)
  where kind = 'refund';
create index transfers_from_wallet_idx on transfers (from_wallet_id);
create index transfers_to_wallet_idx on transfers (to_wallet_id);
create index transfers_initiated_by_idx on transfers (initiated_by);

create table ledger_entries (
  id bigint generated always as identity primary key,
  transfer_id bigint not null references transfers (id) on delete restrict,
  wallet_id bigint not null references wallets (id) on delete restrict,
  -- Signed: negative debits the wallet, positive credits it.
  amount bigint not null,
  created_at timestamptz not null default now(),
  constraint ledger_entries_amount_nonzero check (amount <> 0),
  constraint ledger_entries_transfer_wallet_key unique (transfer_id, wallet_id)
);

-- A wallet's statement, newest first (keyset pages by id).
create index ledger_entries_wallet_idx on ledger_entries (wallet_id, id desc);

-- The checks one transfer must pass at commit. Raised as check violations
-- (SQLSTATE 23514) naming a constraint, so the service maps them like any
-- other CHECK.
create function ledger_assert_transfer(p_transfer_id bigint) returns void
language plpgsql as $$
declare
  t record;
  entry_count bigint;
  entry_sum numeric;
  matching bigint;
begin
  select tr.kind, tr.from_wallet_id, tr.to_wallet_id, tr.amount, tr.currency,
         fw.kind as from_kind, tw.kind as to_kind,
         fw.currency as from_currency, tw.currency as to_currency
    into t
    from transfers tr
    join wallets fw on fw.id = tr.from_wallet_id
    join wallets tw on tw.id = tr.to_wallet_id
   where tr.id = p_transfer_id;

  select count(*), coalesce(sum(e.amount), 0),
         count(*) filter (where (e.wallet_id = t.from_wallet_id and e.amount = -t.amount)
                             or (e.wallet_id = t.to_wallet_id and e.amount = t.amount))
    into entry_count, entry_sum, matching
    from ledger_entries e
   where e.transfer_id = p_transfer_id;

  if entry_sum <> 0 then
    raise exception using
      errcode = 'check_violation',
      constraint = 'ledger_entries_balanced',
      message = format('the ledger entries of transfer %s sum to %s, not 0', p_transfer_id, entry_sum);
  end if;
  if entry_count <> 2 or matching <> 2 then
    raise exception using
      errcode = 'check_violation',
      constraint = 'ledger_entries_match_transfer',
      message = format('transfer %s needs exactly one debit of its source and one credit of its destination, for its amount', p_transfer_id);
  end if;
  if t.from_currency <> t.currency or t.to_currency <> t.currency then
    raise exception using
      errcode = 'check_violation',
      constraint = 'transfers_currency_matches_wallets',
      message = format('transfer %s is in %s, its wallets are not', p_transfer_id, t.currency);
  end if;
  if (t.kind, t.from_kind, t.to_kind) not in (
       ('transfer', 'user', 'user'),
       ('order_payment', 'user', 'merchant'),
       ('refund', 'merchant', 'user'),
       ('credit', 'funding', 'user')) then
    raise exception using
      errcode = 'check_violation',
      constraint = 'transfers_kind_matches_wallets',
      message = format('a %s cannot move money from a %s wallet to a %s wallet',
                       t.kind, t.from_kind, t.to_kind);
  end if;
end;
$$;

create function transfers_check_at_commit() returns trigger
language plpgsql as $$
begin
  perform ledger_assert_transfer(new.id);
  return null;
end;
$$;

create function ledger_entries_check_at_commit() returns trigger
language plpgsql as $$
begin
  perform ledger_assert_transfer(new.transfer_id);
  return null;
end;
$$;

-- A transfer without entries, and an entry added to a transfer that was
-- balanced before, are both caught: every new row of either table re-checks
-- its transfer when the transaction commits.
create constraint trigger transfers_balanced
  after insert on transfers
  deferrable initially deferred
  for each row execute function transfers_check_at_commit();

create constraint trigger ledger_entries_balanced
  after insert on ledger_entries
  deferrable initially deferred
  for each row execute function ledger_entries_check_at_commit();

-- History is append-only: corrections are new transfers (a refund), never edits.
create function ledger_append_only() returns trigger
language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name;
end;
$$;

create trigger transfers_no_update_delete
  before update or delete on transfers
  for each row execute function ledger_append_only();
create trigger transfers_no_truncate
  before truncate on transfers
  for each statement execute function ledger_append_only();
create trigger ledger_entries_no_update_delete
  before update or delete on ledger_entries
  for each row execute function ledger_append_only();
create trigger ledger_entries_no_truncate
  before truncate on ledger_entries
  for each statement execute function ledger_append_only();
