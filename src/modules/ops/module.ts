// Operations: the operators' views — cache counters and the jobs dashboard
// (counts per queue, dead letters, audited replays).

import type { CacheStats } from '../../platform/cache/cache-aside.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { JobQueue } from '../../ports/queue.ts';
import { defineModule } from '../contract.ts';
import { opsErrors } from './errors.ts';
import { registerJobsRoutes } from './jobs-routes.ts';
import { registerOpsRoutes } from './routes.ts';

export const opsModule = defineModule({
  name: 'ops',
  errors: opsErrors,
  routes(
    app,
    context: {
      readonly productCache: { readonly stats: CacheStats } | undefined;
      readonly queue: Pick<JobQueue, 'counts' | 'listDead' | 'replay'>;
      /** Every queue the service's workers take jobs from. */
      readonly queues: readonly string[];
      readonly audit: AuditSink;
    },
  ) {
    const { productCache } = context;
    registerOpsRoutes(app, {
      caches: productCache === undefined ? {} : { products: productCache },
    });
    registerJobsRoutes(app, { queue: context.queue, queues: context.queues, audit: context.audit });
  },
});
