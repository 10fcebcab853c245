// A Mailer decorator that checks the suppression list before every send. A
// suppressed recipient's message is dropped, and `send` resolves as if it
// went out: the caller (a job, background work) has nothing to retry, and the
// sender of a password-reset request learns nothing about the address.
//
// The log line names the recipient by `recipientHash` only: the first 16 hex
// digits of SHA-256 over the normalised address. Logs travel further than
// the database (shippers, support tickets); an operator holding an address
// can compute its hash and find its lines, nobody can go the other way
// without guessing addresses.
//
// When the list cannot be read the send rejects: the job is retried later
// rather than mailing an address that may have complained.

import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { MailMessage, Mailer } from '../../ports/mailer.ts';
import { normaliseAddress, type SuppressionStore } from './suppressions.ts';

export function recipientHash(address: string): string {
  return createHash('sha256').update(normaliseAddress(address)).digest('hex').slice(0, 16);
}

export function suppressingMailer(
  inner: Mailer,
  store: Pick<SuppressionStore, 'isSuppressed'>,
  logger: Logger,
  onSuppressed?: () => void,
): Mailer & { close(): Promise<void> } {
  return {
    async send(message: MailMessage) {
      if (await store.isSuppressed(message.to)) {
        onSuppressed?.();
        logger.info(
          { recipientHash: recipientHash(message.to) },
          'mail to a suppressed address not sent',
        );
        return;
      }
      await inner.send(message);
    },
    close: async () => inner.close?.(),
  };
}
