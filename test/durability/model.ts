// What the crash workload's clients were told, kept as the model the stored
// state must match afterwards: the accounts that exist, each wallet's
// balance, each order with its content and status, each product's starting
// stock. Every operation in it has a settled outcome: an answer that was
// lost was retried until one was definite (requests.ts).

export interface Product {
  readonly id: string;
  readonly price: number;
  readonly initialStock: number;
}

export interface Line {
  readonly productId: string;
  readonly quantity: number;
}

export type ModelStatus = 'pending' | 'paid' | 'cancelled';

export interface ModelOrder {
  readonly id: string;
  /** The Idempotency-Key it was placed with. */
  readonly key: string;
  readonly ownerId: string;
  readonly items: readonly Line[];
  readonly total: number;
  status: ModelStatus;
  /** Paid at some point: its `order.paid` event starts the order's settling flow. */
  everPaid: boolean;
}

export interface Customer {
  readonly email: string;
  readonly password: string;
  readonly id: string;
  token: string;
  /** What the wallet holds by the answers so far (EUR cents). */
  balance: number;
  /** Credits that took effect, by Idempotency-Key. */
  readonly credits: { readonly key: string; readonly amount: number }[];
  readonly orders: ModelOrder[];
}

export type OpKind = 'register' | 'credit' | 'place' | 'pay' | 'cancel' | 'sign-in';

export interface OpRecord {
  readonly kind: OpKind;
  /** The client loop that sent it. */
  readonly loop: number;
  /** The e-mail, Idempotency-Key or order id it is about. */
  readonly subject: string;
  /** The answer to the first attempt: `unknown` when it was lost. */
  first: 'acknowledged' | 'refused' | 'unknown' | undefined;
  attempts: number;
  outcome: 'committed' | 'refused' | undefined;
  /** After a lost first attempt that took effect: whether a lost attempt was the one that did. */
  lostAttemptCommitted?: boolean;
}

export interface Workload {
  readonly seed: number;
  readonly products: readonly Product[];
  readonly customers: Customer[];
  readonly orders: ModelOrder[];
  readonly ops: OpRecord[];
  /** 5xx answers (`<status> <operation>: <body>`), retried like lost ones. */
  readonly serverErrors: string[];
  /** Writes sent and not yet answered, and definite answers so far: for timing the kills. */
  inFlightWrites: number;
  answered: number;
}

export function newWorkload(seed: number, products: readonly Product[]): Workload {
  return {
    seed,
    products,
    customers: [],
    orders: [],
    ops: [],
    serverErrors: [],
    inFlightWrites: 0,
    answered: 0,
  };
}

export interface WorkloadSummary {
  readonly operations: number;
  readonly byKind: Readonly<Record<string, string>>;
  /** Operations whose first attempt was lost, and of those, how many a lost attempt had done. */
  readonly unknown: number;
  readonly unknownCommitted: number;
  readonly customers: number;
  readonly orders: number;
}

export function summarize(workload: Workload): WorkloadSummary {
  const byKind: Record<string, string> = {};
  for (const kind of ['register', 'credit', 'place', 'pay', 'cancel'] as const) {
    const ops = workload.ops.filter((op) => op.kind === kind);
    const count = (first: OpRecord['first']) => ops.filter((op) => op.first === first).length;
    byKind[kind] =
      `${ops.length} (${count('acknowledged')} acknowledged, ${count('refused')} refused, ` +
      `${count('unknown')} unknown)`;
  }
  const unknown = workload.ops.filter((op) => op.first === 'unknown');
  return {
    operations: workload.ops.length,
    byKind,
    unknown: unknown.length,
    unknownCommitted: unknown.filter((op) => op.lostAttemptCommitted === true).length,
    customers: workload.customers.length,
    orders: workload.orders.length,
  };
}
