// Mail routes: the provider's delivery events (public, signed), the
// suppression list and the disk outbox for administrators (`mail:manage`).
//
// POST /api/v1/mail/events has no user behind it, so the Standard Webhooks
// signature (webhooks/signing.ts) under MAIL_EVENTS_SECRET is its
// authentication. It is checked over the exact bytes received, before the
// body is parsed: the route reads its body itself instead of declaring a
// body schema (the core's parser would consume the bytes first). Without a
// secret the route answers 404 MAIL_EVENTS_DISABLED: an unverifiable event
// must not be able to suppress anyone.

import type { Logger } from 'pino';
import type { App } from '../../http/app.ts';
import { defaultBodyLimits } from '../../http/request/body/index.ts';
import { isJsonMediaType, parseMediaType } from '../../http/request/body/media-type.ts';
import { parseJsonText } from '../../http/request/body/json.ts';
import { readBody } from '../../http/request/body/read-body.ts';
import { decodeUtf8Strict } from '../../http/request/body/utf8.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { httpError } from '../../http/errors.ts';
import { validateInput } from '../../http/request/validation.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { verifyWebhook, webhookSecretKey } from '../webhooks/signing.ts';
import type { MailOutbox } from '../../ports/mailer.ts';
import { mailError } from './errors.ts';
import { handleProviderEvent, providerEvent, type ProviderEvent } from './provider-events.ts';
import {
  outboxList,
  outboxListQuery,
  outboxMailParams,
  suppression,
  suppressionCreation,
  suppressionList,
  suppressionListQuery,
  toSuppressionView,
} from './schemas.ts';
import { recipientHash } from './suppressing-mailer.ts';
import type { SuppressionStore } from './suppressions.ts';

/** Provider events are small; anything bigger is not one. */
const EVENT_BODY_LIMIT = 64 * 1024;

export interface MailRoutesDeps {
  readonly store: SuppressionStore;
  /** The disk outbox; undefined when mail goes out over SMTP. */
  readonly outbox: MailOutbox | undefined;
  /** MAIL_EVENTS_SECRET as now in force (a reload may change it); undefined turns provider events off. */
  readonly eventsSecret: () => string | undefined;
  readonly audit: AuditSink;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export function registerMailRoutes(app: App, deps: MailRoutesDeps): void {
  const { store, audit } = deps;
  const now = deps.now ?? (() => new Date());
  // A malformed secret stops the start, not the first event.
  const startSecret = deps.eventsSecret();
  if (startSecret !== undefined) webhookSecretKey(startSecret);

  app.route({
    method: 'POST',
    path: '/api/v1/mail/events',
    auth: 'public',
    tags: ['mail'],
    operationId: 'receiveMailEvent',
    summary: 'Receive a mail provider event',
    description:
      'For the mail provider, not for clients. Body: a JSON MailProviderEvent, e.g. `{"type":"bounce","email":"…","bounceType":"hard"}` or `{"type":"complaint","email":"…"}`, signed with the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers under MAIL_EVENTS_SECRET (401 MAIL_EVENTS_SIGNATURE_INVALID otherwise). Hard bounces and complaints suppress the address at once, 3 soft bounces within 7 days too. 404 MAIL_EVENTS_DISABLED when no secret is configured.',
    // The route reads its body itself (see above), so the parsing errors are listed here.
    errors: [
      'HTTP_UNSUPPORTED_MEDIA_TYPE',
      'HTTP_PAYLOAD_TOO_LARGE',
      'HTTP_BAD_REQUEST',
      'MAIL_EVENTS_DISABLED',
      'MAIL_EVENTS_SIGNATURE_INVALID',
      'HTTP_MALFORMED_BODY',
      'HTTP_MALFORMED_JSON',
      'HTTP_VALIDATION_FAILED',
      ...DATABASE_ERRORS,
    ],
    schema: { responses: { 204: { description: 'Recorded' } } },
    handler: async (c) => {
      const secret = deps.eventsSecret();
      // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
      if (secret === undefined) throw mailError('MAIL_EVENTS_DISABLED');
      const { bytes, eventId } = await readSignedBody(c, secret, now());
      const event = await parseEvent(bytes);
      await handleProviderEvent({ store, logger: deps.logger }, event, { eventId, at: now() });
      c.noContent();
    },
  });

  app.group('/api/v1/admin', { tags: ['admin'], permissions: ['mail:manage'] }, (admin) => {
    admin.route({
      method: 'GET',
      path: '/mail/suppressions',
      operationId: 'listMailSuppressions',
      summary: 'List mail suppressions',
      description:
        'Addresses no mail is sent to, with why (hard bounce, complaint, soft bounces, manual), newest first, paged with `before` (follow links.next).',
      errors: DATABASE_ERRORS,
      schema: { query: suppressionListQuery, responses: { 200: suppressionList } },
      handler: async (c) => {
        const { limit, before } = c.input.query;
        const page = await store.list({ limit: limit + 1, before });
        const data = page.slice(0, limit).map(toSuppressionView);
        const next =
          page.length > limit
            ? `/api/v1/admin/mail/suppressions?limit=${limit}&before=${data.at(-1)!.id}`
            : null;
        c.set('cache-control', cacheControl.noStore);
        return { data, links: { next } };
      },
    });

    admin.route({
      method: 'POST',
      path: '/mail/suppressions',
      operationId: 'addMailSuppression',
      summary: 'Stop mailing an address',
      description:
        'Adds the address to the suppression list (201, audited). When it is already listed, answers 200 with the existing entry and changes nothing.',
      errors: DATABASE_ERRORS,
      schema: {
        body: suppressionCreation,
        responses: { 200: suppression, 201: { description: 'Added', schema: suppression } },
      },
      handler: async (c) => {
        const actor = actorOf(c);
        const { email, detail } = c.input.body;
        const { suppression: entry, created } = await store.suppress({
          address: email,
          reason: 'manual',
          detail,
          at: now(),
        });
        if (created) {
          await audit.record({
            action: 'mail.suppression_added',
            outcome: 'success',
            actorId: actor.id,
            actorIp: actor.ip,
            targetType: 'mail_recipient',
            targetId: recipientHash(email),
          });
        }
        c.set('cache-control', cacheControl.noStore);
        const view = toSuppressionView(entry);
        if (!created) return view;
        c.created(`/api/v1/admin/mail/suppressions/${encodeURIComponent(view.email)}`, view);
        return undefined;
      },
    });

    admin.route({
      method: 'DELETE',
      path: '/mail/suppressions/:email',
      operationId: 'removeMailSuppression',
      summary: 'Mail an address again',
      description:
        'Removes the address from the suppression list (audited); its soft-bounce count starts afresh.',
      errors: ['MAIL_SUPPRESSION_NOT_FOUND', ...DATABASE_ERRORS],
      schema: {
        params: suppressionCreation.pick({ email: true }),
        responses: { 204: { description: 'Removed' } },
      },
      handler: async (c) => {
        const actor = actorOf(c);
        const { email } = c.input.params;
        if (!(await store.remove(email))) throw mailError('MAIL_SUPPRESSION_NOT_FOUND');
        await audit.record({
          action: 'mail.suppression_removed',
          outcome: 'success',
          actorId: actor.id,
          actorIp: actor.ip,
          targetType: 'mail_recipient',
          targetId: recipientHash(email),
        });
        c.noContent();
      },
    });

    admin.route({
      method: 'GET',
      path: '/emails',
      operationId: 'listOutboxEmails',
      summary: 'List mail in the disk outbox',
      description:
        'What the service would have sent, newest first: for development and for instances without SMTP_URL. The messages hold one-time links and are never cached. 404 MAIL_OUTBOX_DISABLED when mail goes out over SMTP.',
      errors: ['MAIL_OUTBOX_DISABLED'],
      schema: { query: outboxListQuery, responses: { 200: outboxList } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        if (deps.outbox === undefined) throw mailError('MAIL_OUTBOX_DISABLED');
        const mails = await deps.outbox.list({ limit: c.input.query.limit });
        return {
          data: mails.map(({ id, to, subject, createdAt, text, html }) => ({
            id,
            to,
            subject,
            createdAt,
            text,
            html,
          })),
        };
      },
    });

    // The HTML part on its own, for the console to show in a sandboxed frame
    // with the message's own look. The message's inline styles need
    // 'unsafe-inline', which the console's pages never get: this response
    // alone allows them, and nothing else (no script, no request but images,
    // a sandbox of its own), and only the console's origin may frame it.
    admin.route({
      method: 'GET',
      path: '/emails/:id/html',
      hidden: true,
      etag: false,
      produces: ['text/html'],
      errors: ['MAIL_OUTBOX_DISABLED'],
      schema: { params: outboxMailParams },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        if (deps.outbox === undefined) throw mailError('MAIL_OUTBOX_DISABLED');
        const mails = await deps.outbox.list();
        const html = mails.find((mail) => mail.id === c.input.params.id)?.html;
        if (html === undefined || html === null) throw httpError('HTTP_NOT_FOUND');
        c.html(html);
        c.set('content-security-policy', MAIL_PREVIEW_CSP);
        c.set('x-frame-options', 'SAMEORIGIN');
      },
    });
  });
}

/** A message's HTML as the console frames it: its inline styles and images, nothing that runs. */
export const MAIL_PREVIEW_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/** The body's bytes once its signature checks out; 401 otherwise. */
async function readSignedBody(
  c: Context,
  secret: string,
  at: Date,
): Promise<{ bytes: Buffer; eventId: string }> {
  const type = c.req.headers['content-type'];
  const mediaType = type === undefined ? undefined : parseMediaType(type);
  if (mediaType === undefined || !isJsonMediaType(mediaType)) {
    throw httpError('HTTP_UNSUPPORTED_MEDIA_TYPE', { detail: 'Send application/json.' });
  }
  const bytes = await readBody(c.req, EVENT_BODY_LIMIT);
  const verified = verifyWebhook({
    headers: c.req.headers,
    body: bytes,
    secrets: [secret],
    now: at,
  });
  if (!verified.ok) {
    throw mailError('MAIL_EVENTS_SIGNATURE_INVALID', { cause: new Error(verified.reason) });
  }
  return { bytes, eventId: verified.id };
}

async function parseEvent(bytes: Buffer): Promise<ProviderEvent> {
  const text = decodeUtf8Strict(bytes, 'JSON body');
  const body = parseJsonText(text, defaultBodyLimits.jsonMaxDepth);
  const input = await validateInput(
    { body: providerEvent },
    { params: {}, query: undefined, headers: {}, body },
  );
  return input.body as ProviderEvent;
}
