// Checkout behind a feature flag: `checkout.orders` (boolean). While it
// serves false to a caller — the kill switch thrown during an incident in
// payments or stock, or a rule holding back a role — placing an order
// answers 503 ORDERS_CHECKOUT_PAUSED with Retry-After, before anything is
// reserved or charged. Without the flag (or the flags) checkout is open:
// the flag is there to close it, never needed to open it.

import type { Identity } from '../../http/pipeline/context.ts';
import { evaluationContextOf, type FeatureFlags } from '../flags/feature-flags.ts';
import { ordersError } from './errors.ts';

export const CHECKOUT_FLAG = 'checkout.orders';
const RETRY_AFTER_SECONDS = 60;

export async function ensureCheckoutOpen(
  flags: Pick<FeatureFlags, 'client'> | undefined,
  identity: Identity | undefined,
): Promise<void> {
  if (flags === undefined) return;
  const open = await flags.client.getBooleanValue(
    CHECKOUT_FLAG,
    true,
    evaluationContextOf(identity),
  );
  if (!open) {
    throw ordersError('ORDERS_CHECKOUT_PAUSED', {
      detail: 'placing orders is paused for now; nothing was reserved or charged',
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    });
  }
}
