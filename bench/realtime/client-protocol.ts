// The messages between the realtime benchmark's runner and its client
// processes (clients.ts), over the fork's IPC channel. Times are
// milliseconds of the system's monotonic clock (process.hrtime), which every
// process on the machine shares: a client's arrival and the runner's commit
// are on one time line.

export type ClientKind = 'socket' | 'stream';

export type Command =
  | {
      readonly type: 'open';
      readonly origin: string;
      readonly token: string;
      readonly kind: ClientKind;
      readonly count: number;
      /** Orders whose `order.cancelled` is timed: sockets follow each one's channel. */
      readonly orderIds: readonly string[];
      /** Connections being opened at once. */
      readonly concurrency: number;
    }
  /** Close connections until this many of each kind are left. */
  | { readonly type: 'keep'; readonly sockets: number; readonly streams: number }
  | { readonly type: 'collect' };

export type Report =
  | {
      readonly type: 'opened';
      readonly kind: ClientKind;
      readonly count: number;
      /** Attempts that failed and were made again. */
      readonly retries: number;
    }
  | { readonly type: 'kept' }
  /** Every connection this process holds has received this order's event. */
  | { readonly type: 'arrived'; readonly orderId: string }
  | {
      readonly type: 'arrivals';
      /** Per order id, the arrival time at each connection of the kind. */
      readonly socket: Readonly<Record<string, readonly number[]>>;
      readonly stream: Readonly<Record<string, readonly number[]>>;
      /** Connections that closed while they were meant to be held. */
      readonly lost: number;
    }
  | { readonly type: 'failed'; readonly message: string };

/** Now on the machine's monotonic clock, in milliseconds. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The event whose arrival is timed: an order's status change. */
export const TIMED_EVENT = 'order.cancelled';
