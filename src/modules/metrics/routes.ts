// GET /metrics: the scrape. Prometheus' text format by default, OpenMetrics
// when the scraper asks for it (Prometheus does, with exemplars' format).
// With a token configured, the scraper must send it as a bearer token
// (compared in constant time); production serves the route only then
// (module.ts), since the figures describe the service's load and failures.

import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { negotiate } from '../../http/response/produces.ts';
import type { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import { metricsError } from './errors.ts';

// With the versions Prometheus asks for: a media range with parameters only
// matches an offer with the same ones.
const FORMATS = [
  'text/plain; version=0.0.4',
  'application/openmetrics-text; version=1.0.0',
] as const;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** A bearer check that takes the same time whatever the presented token shares with the real one. */
function bearerCheck(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const presented = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}

export function registerMetricsRoute(
  app: App,
  metrics: ServiceMetrics,
  token: string | undefined,
): void {
  const authorized = token === undefined ? () => true : bearerCheck(token);
  app.route({
    method: 'GET',
    path: '/metrics',
    auth: 'public',
    rateLimit: false,
    etag: false,
    tags: ['health'],
    operationId: 'scrapeMetrics',
    summary: 'Metrics for Prometheus',
    description:
      'Request rate, errors and duration per route pattern, the state of the database pool, caches and queues, and the process (event loop, GC, memory). Prometheus text format, or OpenMetrics when `Accept: application/openmetrics-text`. Needs `Authorization: Bearer <METRICS_TOKEN>` when a token is configured; production serves it only then.',
    errors: ['METRICS_UNAUTHORIZED'],
    schema: {
      responses: {
        200: {
          description: 'The scrape',
          contentType: FORMATS[0],
          alsoAs: [FORMATS[1]],
          schema: z.string(),
        },
      },
    },
    handler: async (c) => {
      if (!authorized(c.header('authorization'))) {
        c.set('www-authenticate', 'Bearer realm="metrics"');
        throw metricsError('METRICS_UNAUTHORIZED', {
          detail: 'Send the metrics token as a bearer token.',
        });
      }
      const openMetrics = negotiate(c, FORMATS) === FORMATS[1];
      const scrape = await metrics.render(openMetrics);
      c.text(scrape.body);
      c.set('content-type', scrape.contentType);
      c.set('cache-control', cacheControl.noStore);
    },
  });
}
