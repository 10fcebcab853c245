// The mailer the service gets from config: the transport (SMTP, or the disk
// outbox: engines.ts) behind the suppression list
// (modules/mail/suppressing-mailer.ts), so an address that bounced hard or
// complained gets nothing more. Used by the web process and by `npm run
// worker` alike. With SMTP, the server sits behind a circuit breaker
// (`smtp` in the metrics and /readyz), and every send is counted by outcome.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import { suppressingMailer } from '../modules/mail/suppressing-mailer.ts';
import { createSuppressionStore } from '../modules/mail/suppressions.ts';
import { BackgroundTasks } from '../platform/background.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { Mailer, MailOutbox } from '../ports/mailer.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { openMailTransport } from './engines.ts';
import type { CircuitBreaker } from '../platform/circuit-breaker.ts';
import type { Tally } from '../platform/metrics/labelled-stats.ts';
import type { ServiceStats } from './service-stats.ts';

export interface ServiceMailer extends Mailer {
  /** The disk outbox behind the mailer (the admin listing reads it); undefined with SMTP. */
  readonly outbox: MailOutbox | undefined;
}

export function createMailer(
  config: Config,
  logger: Logger,
  sql: SqlDatabase<Database>,
  stats?: Pick<ServiceStats, 'mail' | 'breakers'>,
): ServiceMailer {
  const { transport, outbox } = openMailTransport(config, logger);
  const guarded =
    outbox === undefined && stats !== undefined
      ? breakerMailer(
          transport,
          stats.breakers.single('smtp', {
            failures: config.mail.smtpBreakerFailures,
            cooldownMs: config.mail.smtpBreakerCooldownMs,
          }),
        )
      : transport;
  const counted = stats === undefined ? guarded : countingMailer(guarded, stats.mail);
  const mailer = suppressingMailer(counted, createSuppressionStore(sql), logger, () =>
    stats?.mail.add(['suppressed']),
  );
  return { send: (message) => mailer.send(message), close: () => mailer.close(), outbox };
}

/** Thrown instead of sending while the SMTP server's breaker is open. */
export class MailCircuitOpen extends Error {
  override name = 'MailCircuitOpen';
}

/**
 * SMTP behind its circuit breaker: while it is open a send fails at once
 * instead of waiting out connection timeouts, and the mail job that asked
 * is retried on its backoff — the message stays in the queue, nothing is lost.
 */
function breakerMailer(inner: Mailer, breaker: CircuitBreaker): Mailer {
  return {
    async send(message) {
      if (!breaker.tryAcquire()) {
        const seconds = Math.ceil(breaker.retryInMs() / 1000);
        throw new MailCircuitOpen(
          `not sent: the SMTP circuit is open after repeated failures (next try in ${seconds} s)`,
        );
      }
      try {
        await inner.send(message);
      } catch (error) {
        if (refusedThisMessage(error)) breaker.succeeded();
        else breaker.failed();
        throw error;
      }
      breaker.succeeded();
    },
    close: async () => inner.close?.(),
  };
}

/**
 * The server answered and refused this message (a 5xx to a recipient or to
 * the data: nodemailer's EENVELOPE, EMESSAGE): it is up, and the next message
 * may well pass. Connection failures, timeouts, 4xx (try later) and refused
 * logins are the server's trouble, and count towards opening the breaker.
 */
function refusedThisMessage(error: unknown): boolean {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return (
    (code === 'EENVELOPE' || code === 'EMESSAGE') &&
    typeof responseCode === 'number' &&
    responseCode >= 500
  );
}

function countingMailer(inner: Mailer, counts: Tally): Mailer {
  return {
    async send(message) {
      try {
        await inner.send(message);
        counts.add(['sent']);
      } catch (error) {
        counts.add([error instanceof MailCircuitOpen ? 'circuit_open' : 'failed']);
        throw error;
      }
    },
    close: async () => inner.close?.(),
  };
}

export interface Mail {
  readonly mailer: ServiceMailer;
  /** Mail sent after its response went out; drained on shutdown. */
  readonly background: BackgroundTasks;
}

/**
 * The mailer (every send checks the suppression list) and the background
 * work that sends from requests. Register it before the listener (main.ts
 * does), so it closes after it: no request can start new mail once the
 * pending mail is being waited for.
 */
export function startMail(
  config: Config,
  deps: {
    logger: Logger;
    lifecycle: Lifecycle;
    sql: SqlDatabase<Database>;
    stats?: Pick<ServiceStats, 'mail' | 'breakers'>;
  },
): Mail {
  const background = new BackgroundTasks(deps.logger);
  const mailer = createMailer(config, deps.logger, deps.sql, deps.stats);
  deps.lifecycle.add({
    name: 'mail',
    close: async () => {
      await background.idle();
      await mailer.close?.();
    },
  });
  return { mailer, background };
}
