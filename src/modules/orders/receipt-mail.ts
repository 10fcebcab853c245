// The receipt mailed once an order is paid (the `orders.receipt` step of the
// order-complete flow, complete.ts). Product titles are editors' text: merge
// variables, escaped in the HTML like every other (platform/mail-templates.ts).
// Amounts are formatted from minor units with the currency's own number of
// decimals.

import type { AccountLinks } from '../auth/account-mail.ts';
import type { MailMessage } from '../../ports/mailer.ts';
import { renderMail, type MailTemplate } from '../../platform/mail-templates.ts';
import type { OrderItemRecord, OrderRecord } from './repo.ts';

/** `12.50 EUR`-style text for an amount in minor units. */
export function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/**
 * The receipt in the shared layout: one line per item, the total, and one
 * call to action — the order's page in the client application.
 */
export function orderReceiptMail(
  links: AccountLinks,
  to: string,
  order: Pick<OrderRecord, 'id' | 'totalAmount' | 'currency'>,
  items: readonly OrderItemRecord[],
): MailMessage {
  const money = (amount: number) => formatMoney(amount, order.currency);
  // Every item's values are variables of their own, so each is escaped like any merge variable.
  const variables: Record<string, string> = {
    orderId: order.id,
    total: money(order.totalAmount),
    orderUrl: `${links.baseUrl}/orders/${encodeURIComponent(order.id)}`,
  };
  const lines = items.map((item, index) => {
    variables[`quantity${index}`] = String(item.quantity);
    variables[`title${index}`] = item.title;
    variables[`amount${index}`] = money(item.unitAmount * item.quantity);
    return `{{quantity${index}}} × {{title${index}}}: {{amount${index}}}`;
  });
  const template: MailTemplate = {
    subject: 'Receipt for order {{orderId}}',
    preheader: 'Your payment for order {{orderId}} went through: {{total}}.',
    intro: ['Thank you: order {{orderId}} is paid.', ...lines, 'Total: {{total}}'],
    action: { label: 'View your order', url: '{{orderUrl}}' },
    reason: 'You received this email because you paid for an order at Throughline.',
  };
  return renderMail(template, variables, links.layout, to);
}
