import { defineErrors, errorFactory } from '../../errors/index.ts';

export const mailErrors = defineErrors({
  // Mail goes out over SMTP (SMTP_URL): there is no outbox to list.
  MAIL_OUTBOX_DISABLED: { status: 404, title: 'Mail outbox not in use', level: 'debug' },
  // MAIL_EVENTS_SECRET is not set: provider events are not accepted.
  MAIL_EVENTS_DISABLED: { status: 404, title: 'Mail provider events not enabled', level: 'info' },
  // One answer for a missing, malformed, stale or wrong signature; the reason is logged.
  MAIL_EVENTS_SIGNATURE_INVALID: {
    status: 401,
    title: 'Invalid webhook signature',
    level: 'info',
  },
  MAIL_SUPPRESSION_NOT_FOUND: {
    status: 404,
    title: 'Address not on the suppression list',
    level: 'debug',
  },
});

export const mailError = errorFactory(mailErrors);
