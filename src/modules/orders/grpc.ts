// Orders over gRPC (proto/throughline/v1/orders.proto): placing and reading
// through the same service as the HTTP routes, with the same permissions,
// the same idempotency (the key from the message's field, or else from the
// `idempotency-key` metadata entry, checked by the HTTP header's schema) and
// the same errors.

import { z } from 'zod';
import {
  idempotencyKeyHeaders,
  IDEMPOTENCY_KEY_HEADER,
} from '../../http/request/idempotency-key.ts';
import { unary, type GrpcCall, type GrpcService } from '../../grpc/unary.ts';
import { parseMessage } from '../../grpc/validation.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { placeOrderBody } from './schemas.ts';
import { ensureCheckoutOpen } from './checkout-flag.ts';
import type { FeatureFlags } from '../flags/feature-flags.ts';
import type { OrdersService } from './service.ts';

interface PlaceOrderRequest {
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
  readonly idempotencyKey: string;
}

const getOrderRequest = z.object({ id: bigintId });

/** The caller, as the service takes it (the method is authenticated). */
function actorOf(call: GrpcCall) {
  const identity = call.identity!;
  return { id: identity.subject, permissions: identity.permissions, ip: call.ip };
}

/** The field when set, else the metadata entry; validated like the HTTP header. */
function idempotencyKeyOf(request: PlaceOrderRequest, call: GrpcCall): string {
  if (request.idempotencyKey !== '') {
    const checked = parseMessage(idempotencyKeyHeaders, {
      [IDEMPOTENCY_KEY_HEADER]: request.idempotencyKey,
    });
    return checked[IDEMPOTENCY_KEY_HEADER];
  }
  const sent = call.metadata.get(IDEMPOTENCY_KEY_HEADER)[0];
  const checked = parseMessage(
    idempotencyKeyHeaders,
    { [IDEMPOTENCY_KEY_HEADER]: typeof sent === 'string' ? sent : undefined },
    'headers',
  );
  return checked[IDEMPOTENCY_KEY_HEADER];
}

export function ordersGrpc(
  orders: OrdersService,
  flags?: Pick<FeatureFlags, 'client'>,
): GrpcService {
  return {
    name: 'throughline.v1.OrdersService',
    methods: {
      PlaceOrder: unary({
        permissions: ['orders:write:own'],
        handle: async (request: PlaceOrderRequest, call) => {
          const key = idempotencyKeyOf(request, call);
          const input = parseMessage(placeOrderBody, { items: request.items });
          // The same kill switch as the HTTP route: a paused checkout is paused everywhere.
          await ensureCheckoutOpen(flags, call.identity);
          const placed = await orders.place(actorOf(call), input, key);
          return { order: placed.order, replayed: placed.replayed };
        },
      }),
      GetOrder: unary({
        permissions: ['orders:read:own'],
        handle: async (request: { id: string }, call) => {
          const { id } = parseMessage(getOrderRequest, request);
          return orders.get(actorOf(call), id);
        },
      }),
    },
  };
}
