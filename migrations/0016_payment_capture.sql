-- Paying an order becomes authorize + capture, the way card payments work.
-- `pay` moves the money from the customer into the shop's escrow wallet (held,
-- not yet the shop's); the `order-complete` flow's capture job moves it on
-- to the merchant wallet. A cancellation before the capture pays the
-- customer back out of escrow, one after it out of the merchant wallet.
--
-- Payments recorded before this migration went straight to the merchant
-- wallet: they stay valid history, and count as captured.

-- One escrow wallet per currency, like the merchant and funding wallets.
alter table wallets drop constraint wallets_kind_check;
alter table wallets add constraint wallets_kind_check
  check (kind in ('user', 'merchant', 'funding', 'escrow'));

insert into wallets (kind, currency)
select 'escrow', code from currencies
on conflict do nothing;

alter table transfers drop constraint transfers_kind_check;
alter table transfers add constraint transfers_kind_check
  check (kind in ('transfer', 'order_payment', 'order_capture', 'refund', 'credit'));
alter table transfers drop constraint transfers_order_link;
alter table transfers add constraint transfers_order_link
  check ((kind in ('order_payment', 'order_capture', 'refund')) = (order_id is not null));

-- An order's money is captured at most once, whoever runs the job how often.
create unique index transfers_order_capture_key on transfers (order_id)
  where kind = 'order_capture';

-- As in 0007, plus: a payment goes into escrow, a capture moves exactly that
-- payment from escrow to the merchant, a refund comes out of either.
create or replace function ledger_assert_transfer(p_transfer_id bigint) returns void
language plpgsql as $$
declare
  t record;
  entry_count bigint;
  entry_sum numeric;
  matching bigint;
begin
  select tr.kind, tr.from_wallet_id, tr.to_wallet_id, tr.amount, tr.currency, tr.order_id,
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
       ('order_payment', 'user', 'escrow'),
       ('order_capture', 'escrow', 'merchant'),
       ('refund', 'escrow', 'user'),
       ('refund', 'merchant', 'user'),
       ('credit', 'funding', 'user')) then
    raise exception using
      errcode = 'check_violation',
      constraint = 'transfers_kind_matches_wallets',
      message = format('a %s cannot move money from a %s wallet to a %s wallet',
                       t.kind, t.from_kind, t.to_kind);
  end if;
  if t.kind = 'order_capture' and not exists (
       select 1 from transfers p
        where p.order_id = t.order_id and p.kind = 'order_payment'
          and p.to_wallet_id = t.from_wallet_id and p.amount = t.amount) then
    raise exception using
      errcode = 'check_violation',
      constraint = 'transfers_capture_matches_payment',
      message = format('capture %s does not match a payment of order %s into escrow',
                       p_transfer_id, t.order_id);
  end if;
end;
$$;

-- Set by the order-complete flow's last step: the money is the shop's and the
-- warehouse has the pick list.
alter table orders add column settled_at timestamptz;

-- The warehouse's pick list for an order (the flow's `inventory.allocate`
-- step); one per order, so a repeated job writes nothing new.
create table order_fulfilments (
  order_id bigint primary key references orders (id) on delete cascade,
  -- [{ "productId": "…", "quantity": n }] in product-id order.
  pick_list jsonb not null,
  allocated_at timestamptz not null default now()
);
