// Liveness and readiness probes (seed module 18).
// `/livez` answers while the process can serve at all: a failing liveness
// probe gets the process restarted, so it checks nothing external.
// `/readyz` answers 503 while starting, while shutting down (so the load
// balancer drains us first) and while any gating dependency check fails;
// non-gating checks (Redis) are reported without failing the probe, and so
// are the circuit breakers' states (`breakers`).

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { ReadinessChecks } from './readiness.ts';

const checkResult = z.object({ status: z.enum(['ok', 'failing']), error: z.string().optional() });
const readyBody = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.record(z.string(), checkResult),
  breakers: z.record(z.string(), z.enum(['closed', 'half-open', 'open'])).optional(),
});

// The document's examples: a healthy instance, and one whose database is down.
const READY_EXAMPLE = {
  status: 'ready',
  checks: {
    lifecycle: { status: 'ok' },
    database: { status: 'ok' },
    redis: { status: 'ok' },
    'rate-limit': { status: 'ok' },
  },
  breakers: { smtp: 'closed', search: 'closed' },
};
const NOT_READY_EXAMPLE = {
  status: 'not-ready',
  checks: {
    lifecycle: { status: 'ok' },
    database: { status: 'failing', error: 'connect ECONNREFUSED 10.0.3.12:5432' },
    redis: { status: 'ok' },
    'rate-limit': { status: 'ok' },
  },
  breakers: { smtp: 'closed', search: 'closed' },
};

export function registerHealthRoutes(app: App, readiness: ReadinessChecks): void {
  app.route({
    method: 'GET',
    path: '/livez',
    auth: 'public',
    rateLimit: false,
    etag: false,
    tags: ['health'],
    operationId: 'getLiveness',
    summary: 'Liveness probe',
    description:
      'Answers 200 while the process can serve at all. It checks nothing outside the process: a failing liveness probe gets the process restarted, and a restart cures no database outage.',
    schema: {
      responses: { 200: z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } }) },
    },
    handler: (c) => {
      c.set('cache-control', cacheControl.noStore);
      return { status: 'ok' };
    },
  });

  app.route({
    method: 'GET',
    path: '/readyz',
    auth: 'public',
    rateLimit: false,
    etag: false,
    tags: ['health'],
    operationId: 'getReadiness',
    summary: 'Readiness probe',
    description:
      '200 when this instance should receive traffic; 503 with Retry-After while it starts, while it shuts down (so the load balancer drains it first) and while a dependency it needs fails. The body reports each check either way; checks that do not gate readiness (Redis, OpenSearch) are reported without failing it, and so are the states of the circuit breakers (`breakers`: closed, half-open or open).',
    schema: {
      responses: {
        200: readyBody.meta({ example: READY_EXAMPLE }),
        503: readyBody.meta({ example: NOT_READY_EXAMPLE }),
      },
    },
    handler: async (c) => {
      const report = await readiness.run(c.signal);
      c.set('cache-control', cacheControl.noStore);
      c.json(report, report.status === 'ready' ? 200 : 503);
      if (report.status !== 'ready') c.set('retry-after', '5');
    },
  });
}
