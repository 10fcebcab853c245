// What the OpenAPI document says that the routes cannot: the introduction a
// client developer reads first, the tags, the security schemes, servers,
// contact and licence, and which error codes the global middleware
// (authentication, rate limits, the request deadline) adds to each route.
// Everything else in the document is read off the route declarations.

import { errorCatalog } from './error-catalog.ts';
import type { ErrorRegistry } from '../errors/index.ts';
import type { OpenApiOptions, OpenApiTag } from '../http/openapi/openapi.ts';
import type { RouteRecord } from '../http/routing/route.ts';
import type { Config } from '../platform/config.ts';

export const API_TAGS: readonly OpenApiTag[] = [
  {
    name: 'auth',
    description:
      'Accounts and credentials: sign-up, sign-in (tokens or a browser session), the second factor, email verification and password recovery, and the keys that verify access tokens.',
  },
  { name: 'users', description: 'The signed-in user’s profile, and users by id.' },
  {
    name: 'api-keys',
    description: 'Long-lived keys for scripts and integrations, each limited to chosen scopes.',
  },
  {
    name: 'catalog',
    description:
      'Products: public reads (v1 deprecated in favour of v2) and conditional writes for catalog editors.',
  },
  {
    name: 'blobs',
    description:
      'Presigned object URLs the service serves itself when objects are kept on local disk (with S3, the bucket serves them).',
  },
  {
    name: 'search',
    description:
      'Product search as shoppers type: typo-tolerant full text with facet counts, and completions.',
  },
  { name: 'orders', description: 'Placing orders and moving them through their lifecycle.' },
  {
    name: 'realtime',
    description:
      'Events as they happen: Server-Sent Events per order and for staff, and a WebSocket with per-channel subscriptions (docs/realtime.md).',
  },
  { name: 'payments', description: 'Wallets, their ledgers, and transfers between users.' },
  {
    name: 'webhooks',
    description:
      'Endpoints that receive signed order events, and the log of every delivery attempt.',
  },
  {
    name: 'flags',
    description:
      'Feature flags: variants, targeting by role or cohort, percentage rollout and the kill switch.',
  },
  { name: 'mail', description: 'Delivery events from the mail provider.' },
  {
    name: 'admin',
    description:
      'Administration and operations: users and roles, wallet credits, the audit log, job queues, caches and mail suppressions.',
  },
  { name: 'health', description: 'Liveness and readiness probes for load balancers.' },
];

const API_DESCRIPTION = `The commerce API of Throughline: a catalog, orders, wallets and transfers, webhooks, and the accounts behind them. Requests and responses are JSON unless an operation says otherwise; every response carries an \`X-Request-Id\` header.

## Authentication

Operations without a security requirement need no credentials. The others accept any one of three:

- **Access token (JWT).** \`POST /api/v1/auth/login\` answers with an \`accessToken\` and a \`refreshToken\`. Send \`Authorization: Bearer <accessToken>\`. Access tokens are short-lived EdDSA-signed JWTs (\`expiresIn\` says how long; the public keys are at \`/.well-known/jwks.json\`). Before one expires, \`POST /api/v1/auth/refresh\` swaps the refresh token for a new pair. A refresh token works once: presenting a used one again ends that sign-in everywhere (\`401 AUTH_REFRESH_REUSED\`). An account with a second factor first gets \`401 AUTH_MFA_REQUIRED\` with an \`mfaToken\`; send it with a code to \`POST /api/v1/auth/login/mfa\`.
- **API key.** \`POST /api/v1/me/api-keys\` creates a key (\`tl_…\`, shown only in that response) limited to the scopes you choose. Send it as \`X-API-Key: tl_…\`, or in place of a token as \`Authorization: Bearer tl_…\`. No key can manage credentials (keys, password, second factor): those need the person.
- **Browser session.** \`POST /api/v1/auth/session\` sets an HttpOnly session cookie and returns a \`csrfToken\`. Every unsafe request (POST, PUT, PATCH, DELETE) made with the cookie must send that token as \`X-CSRF-Token\` and come from an allowed \`Origin\`; otherwise it is \`403 AUTH_CSRF_FAILED\`. After a page reload, \`GET /api/v1/auth/session\` returns the token again.

Exactly one credential is looked at per request: the \`Authorization\` header, else \`X-API-Key\`, else the session cookie. A credential that is present but invalid or expired is a \`401\`, never treated as anonymous. A valid one without the permission an operation needs is \`403 HTTP_FORBIDDEN\`.

## Errors

Every error is an RFC 9457 problem (\`application/problem+json\`) with a stable \`code\`: switch on \`code\`, never on \`title\` or \`detail\`, which are for people. \`requestId\` repeats the \`X-Request-Id\` header; quote it when reporting a problem. Invalid input is \`422 HTTP_VALIDATION_FAILED\` with \`errors\`, one entry per failing field: where it is (\`in\`: body, query, params or headers), its path (\`field\`) and a stable \`code\` such as \`required\`, \`invalid_type\` or \`out_of_range\`. Request bodies may not contain members the schema does not list.

Each operation lists the codes it can answer with under their status, with an example of each; \`default\` stands for anything else, such as \`500 HTTP_INTERNAL\` (which never carries a detail). A \`429\` says in \`Retry-After\` when to try again, and so do the \`503\`s of an outage. Responses counted against a rate limit carry \`RateLimit\` and \`RateLimit-Policy\` headers.

## Paging

Lists answer \`{ data, meta, links }\`. Follow \`links.next\` until it is \`null\` rather than building page URLs. Product lists page with an opaque cursor by default (\`after\`, valid only with the same sort and filters); naming \`page\` switches to numbered pages, with \`links.prev\`. Other paged lists run newest first and page with \`before\`. \`limit\` sets the page size.

## Idempotency

\`POST /api/v1/orders\` and \`POST /api/v1/transfers\` require an \`Idempotency-Key\` header: a unique string (a UUID will do) that you send again, unchanged, when you retry the same request. A retry within 24 hours gets the first response again, marked \`Idempotent-Replayed: true\`, and nothing happens twice; reusing a key for a different request is \`422 IDEMPOTENCY_KEY_REUSED\`. A request that failed stores nothing, so retrying it runs it again. Wallet credits accept the header too.

## Conditional requests

Most GET responses carry an \`ETag\`; send it back as \`If-None-Match\` to get \`304 Not Modified\` instead of the same body. Product writes (PUT, PATCH, DELETE) must send \`If-Match\` with the ETag of the product as you read it: without it the answer is \`428 HTTP_PRECONDITION_REQUIRED\`, and if the product changed since, \`412 HTTP_PRECONDITION_FAILED\` (or \`412 CATALOG_VERSION_CONFLICT\` when another write landed while yours ran). Read the product again, reapply your change, and retry. A successful write returns the new ETag.

## Versions and deprecation

The version is in the path: \`/api/v1\`, \`/api/v2\`. Ignore response members you do not know: new ones may appear within a version. An operation on its way out is marked \`deprecated\` here and answers with \`Deprecation\` (RFC 9745: since when), \`Sunset\` (RFC 8594: the date it stops working) and \`Link: <…>; rel="successor-version"\` naming its replacement. The v1 product reads are deprecated in favour of \`/api/v2/products\`.`;

/** Every registered code, for its status: the document lists each code under it. */
const ALL_ERRORS: ErrorRegistry = Object.assign(
  {},
  ...errorCatalog.map(({ registry }) => registry),
) as ErrorRegistry;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What the global middleware may answer on a route: the request deadline
 * anywhere; a bad credential, and CSRF on unsafe methods, where credentials
 * are needed; the per-client rate limits except on probes and docs; and with
 * Redis, the cookie sessions and sign-in lockouts kept there fail closed.
 */
function globalErrors(config: Config): (record: RouteRecord) => readonly string[] {
  return (record) => {
    const codes = ['HTTP_DEADLINE_EXCEEDED'];
    const authenticated = record.auth !== 'public' || record.permissions.length > 0;
    if (authenticated) {
      codes.push('AUTH_TOKEN_INVALID', 'AUTH_TOKEN_EXPIRED', 'API_KEYS_INVALID');
      if (UNSAFE_METHODS.has(record.method)) codes.push('AUTH_CSRF_FAILED');
    }
    if (config.rateLimit.enabled && record.rateLimit) {
      codes.push('HTTP_RATE_LIMITED');
    }
    const lockouts = record.errors.includes('AUTH_TOO_MANY_ATTEMPTS');
    if (config.redis.url !== undefined && (authenticated || lockouts)) {
      codes.push('REDIS_UNAVAILABLE');
    }
    return codes;
  };
}

/** The document's options for this configuration. */
export function apiDocument(config: Config, version: string): OpenApiOptions {
  return {
    title: 'Throughline API',
    version,
    description: API_DESCRIPTION,
    contact: { name: 'Throughline maintainers' },
    license: { name: 'MIT', identifier: 'MIT' },
    // Relative to the document's own URL unless the public address is configured.
    servers: [
      config.http.publicUrl === undefined
        ? { url: '/', description: 'The origin that served this document' }
        : { url: config.http.publicUrl, description: 'This deployment' },
    ],
    tags: API_TAGS,
    errors: ALL_ERRORS,
    routeErrors: globalErrors(config),
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An access token from /api/v1/auth/login, or an API key (tl_…) in its place.',
      },
      apiKey: {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'An API key from /api/v1/me/api-keys, limited to its scopes.',
      },
      sessionCookie: {
        type: 'apiKey',
        in: 'cookie',
        name: config.auth.sessionCookieName,
        description:
          'A browser session from /api/v1/auth/session. Unsafe methods also need a same-site Origin and the X-CSRF-Token header.',
      },
    },
  };
}
