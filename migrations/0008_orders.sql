-- Order history: every status change, who made it and when. The orders row
-- holds the current state; this table is why it is what it is.
create table order_status_history (
  id bigint generated always as identity primary key,
  order_id bigint not null references orders (id) on delete cascade,
  from_status text,
  to_status text not null,
  actor_id bigint references users (id) on delete set null,
  changed_at timestamptz not null default now(),
  constraint order_status_history_to_check
    check (to_status in ('pending', 'paid', 'shipped', 'delivered', 'cancelled'))
);

create index order_status_history_order_idx on order_status_history (order_id, id);

-- Admins list every order newest first.
create index orders_created_idx on orders (created_at desc, id desc);
