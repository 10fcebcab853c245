// Fastify with the official plugins that give it the behaviour of
// Throughline's production pipeline (throughline-pipeline.ts), configured to
// match it as closely as each plugin allows:
//
//   @fastify/helmet      the same security headers (no HSTS on plain HTTP,
//                        as ours sends it only over TLS)
//   @fastify/cors        the one allowed origin, our methods and header lists
//   @fastify/rate-limit  in memory, per client IP, the same limit and window
//   bearer check         onRequest hook: no Authorization passes, a bearer
//                        token is verified with jose (EdDSA, issuer, audience)
//   @fastify/compress    the same 1 KiB threshold (its default)
//   access log           one pino line per request at info, written when the
//                        response is done, with the fields ours has, in place
//                        of Fastify's own two lines (its LogController)
//
// ETags (@fastify/etag) are left to each server: it applies to the context it
// is registered in, and each hashes only what Throughline hashes.
// The logger is Fastify's (pino with Fastify's defaults) writing to a file
// opened the same way as Throughline's (matched-settings.ts). Used by the HTTP
// benchmark (fastify-matched.ts) and the database benchmark's cached read
// (../db/servers/fastify-cached.ts).

import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import {
  fastify,
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { generateKeyPair, jwtVerify } from 'jose';
import {
  DEFAULT_CORS_ALLOW_HEADERS,
  DEFAULT_CORS_EXPOSE_HEADERS,
  DEFAULT_CORS_METHODS,
} from '../../src/http/middleware/cors/policy.ts';
import {
  ALLOWED_ORIGIN,
  openAccessLogFile,
  RATE_LIMIT,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AccessLogFile,
} from './matched-settings.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's subject; undefined for anonymous requests. */
    subject: string | undefined;
  }
}

/**
 * One access-log line per request, with the fields of Throughline's, instead
 * of Fastify's two (`incoming request`, `request completed`). Fastify calls
 * this once the response is done, from its own onResponse step.
 */
class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    request.log[error || status >= 500 ? 'error' : 'info'](
      {
        method: request.method,
        route: request.routeOptions.url,
        path: request.url,
        status,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        remote: request.ip,
        userAgent: request.headers['user-agent'],
        subject: request.subject,
        err: error ?? undefined,
      },
      'request',
    );
  }
}

export interface MatchedFastify {
  readonly app: FastifyInstance;
  /** The access log file; remove it when the server stops. */
  readonly log: AccessLogFile;
}

/** A Fastify instance with the matched plugins registered; routes are the caller's. */
export async function createMatchedFastify(contender: string): Promise<MatchedFastify> {
  const log = openAccessLogFile(contender);
  const app = fastify({
    logger: { level: 'info', stream: log.destination },
    logController: new AccessLog(),
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    originAgentCluster: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    strictTransportSecurity: false,
    xContentTypeOptions: true,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: { action: 'deny' },
    xPermittedCrossDomainPolicies: false,
    // Fastify sends no X-Powered-By, so there is nothing to remove.
    xPoweredBy: false,
    xXssProtection: false,
  });
  // A list, not a string: with a string the plugin sends that origin to every
  // caller; with a list it answers only the listed one and adds Vary: Origin, as ours.
  await app.register(cors, {
    origin: [ALLOWED_ORIGIN],
    methods: [...DEFAULT_CORS_METHODS],
    allowedHeaders: [...DEFAULT_CORS_ALLOW_HEADERS],
    exposedHeaders: [...DEFAULT_CORS_EXPOSE_HEADERS],
    maxAge: 86400,
  });
  await app.register(rateLimit, { max: RATE_LIMIT.limit, timeWindow: RATE_LIMIT.windowMs });

  // The token check, as an application adds one: a key it trusts, and a hook.
  const { publicKey } = await generateKeyPair('Ed25519');
  const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
  app.decorateRequest('subject', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.authorization;
    if (header === undefined) {
      done();
      return;
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      void reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_request"')
        .send({ error: 'expected Authorization: Bearer <token>' });
      return;
    }
    jwtVerify(token, publicKey, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['EdDSA'],
    }).then(
      ({ payload }) => {
        request.subject = payload.sub;
        done();
      },
      () => {
        void reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'invalid token' });
      },
    );
  });

  await app.register(compress);
  return { app, log };
}
