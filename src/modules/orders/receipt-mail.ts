// The receipt mailed once an order is paid (the `order.paid` event's consumer,
// modules/events/mail.ts). Product titles are editors' text: escaped in the
// HTML like every merge variable. Amounts are formatted from minor units with
// the currency's own number of decimals.

import { escapeHtml, page } from '../auth/account-mail.ts';
import type { MailMessage } from '../../ports/mailer.ts';
import type { OrderItemRecord, OrderRecord } from './repo.ts';

/** `12.50 EUR`-style text for an amount in minor units. */
export function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

export function orderReceiptMail(
  to: string,
  order: Pick<OrderRecord, 'id' | 'totalAmount' | 'currency'>,
  items: readonly OrderItemRecord[],
): MailMessage {
  const money = (amount: number) => formatMoney(amount, order.currency);
  const lines = items.map((item) => ({
    title: item.title,
    quantity: item.quantity,
    amount: money(item.unitAmount * item.quantity),
  }));
  const total = money(order.totalAmount);
  return {
    to,
    subject: `Receipt for order ${order.id}`,
    text: [
      `Thank you: order ${order.id} is paid.`,
      '',
      ...lines.map((line) => `${line.quantity} × ${line.title}: ${line.amount}`),
      '',
      `Total: ${total}`,
    ].join('\n'),
    html: page([
      `<p>Thank you: order ${escapeHtml(order.id)} is paid.</p>`,
      '<table>',
      ...lines.map(
        (line) =>
          `<tr><td>${line.quantity} ×</td><td>${escapeHtml(line.title)}</td><td>${escapeHtml(line.amount)}</td></tr>`,
      ),
      `<tr><td></td><th>Total</th><th>${escapeHtml(total)}</th></tr>`,
      '</table>',
    ]),
  };
}
