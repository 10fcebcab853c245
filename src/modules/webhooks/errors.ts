import { defineErrors, errorFactory } from '../../errors/index.ts';

export const webhooksErrors = defineErrors({
  // The URL is not https (unless allowed), carries credentials, or its host
  // resolves to an address the service must not call (private, loopback,
  // link-local/metadata…). The field error names the reason.
  WEBHOOKS_URL_FORBIDDEN: { status: 422, title: 'Webhook URL not allowed', level: 'info' },
  WEBHOOKS_ENDPOINT_NOT_FOUND: { status: 404, title: 'Webhook endpoint not found', level: 'debug' },
  WEBHOOKS_DELIVERY_NOT_FOUND: { status: 404, title: 'Webhook delivery not found', level: 'debug' },
  // Only a failed or dead delivery can be sent again; a pending one is on
  // its way and a succeeded one arrived.
  WEBHOOKS_NOT_REPLAYABLE: {
    status: 409,
    title: 'Webhook delivery cannot be replayed',
    level: 'info',
  },
});

export const webhooksError = errorFactory(webhooksErrors);
