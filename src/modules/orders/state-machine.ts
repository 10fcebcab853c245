// The order lifecycle (seed module 04: business rules live in the service,
// not in handlers or the database alone):
//
//   pending ──pay──▶ paid ──ship──▶ shipped ──deliver──▶ delivered
//      │               │
//      └────cancel─────┴──▶ cancelled   (stock returned; a paid order refunded)
//
// Pure: which action leads where, nothing about who may do it or what else
// happens. Anything not in the table is an illegal transition.

import type { OrderStatus } from './tables.ts';

export const ORDER_ACTIONS = ['pay', 'ship', 'deliver', 'cancel'] as const;
export type OrderAction = (typeof ORDER_ACTIONS)[number];

const TRANSITIONS: Readonly<
  Record<OrderAction, { from: readonly OrderStatus[]; to: OrderStatus }>
> = {
  pay: { from: ['pending'], to: 'paid' },
  ship: { from: ['paid'], to: 'shipped' },
  deliver: { from: ['shipped'], to: 'delivered' },
  cancel: { from: ['pending', 'paid'], to: 'cancelled' },
};

export type Transition =
  | { readonly ok: true; readonly from: OrderStatus; readonly to: OrderStatus }
  | {
      readonly ok: false;
      readonly from: OrderStatus;
      readonly allowedFrom: readonly OrderStatus[];
    };

export function transition(current: OrderStatus, action: OrderAction): Transition {
  const rule = TRANSITIONS[action];
  return rule.from.includes(current)
    ? { ok: true, from: current, to: rule.to }
    : { ok: false, from: current, allowedFrom: rule.from };
}

/** The actions allowed from a status, for clients that render buttons. */
export function actionsFrom(status: OrderStatus): OrderAction[] {
  return ORDER_ACTIONS.filter((action) => TRANSITIONS[action].from.includes(status));
}
