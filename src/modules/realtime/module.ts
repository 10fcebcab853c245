// Realtime: domain events pushed to clients as they commit, over
// Server-Sent Events (sse-routes.ts) and WebSocket (socket.ts). Each
// instance runs one hub (hub.ts) that reads relayed events from the outbox
// when the relay announces them on pub/sub — so an event committed through
// any instance reaches the clients of every instance — and hands them to
// its own clients. Protocol and limits: docs/realtime.md.

import type { App } from '../../http/app.ts';
import type { Config } from '../../platform/config.ts';
import type { Lifecycle } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventsTables } from '../events/tables.ts';
import type { OrdersDatabase } from '../orders/tables.ts';
import { defineModule } from '../contract.ts';
import { createChannelAccess } from './channels.ts';
import { realtimeErrors } from './errors.ts';
import { createFeed } from './feed.ts';
import { createRealtimeHub } from './hub.ts';
import { registerEventStreamRoutes } from './sse-routes.ts';
import { reportRealtime } from './metrics.ts';
import { registerSocketRoute } from './socket.ts';
import { RealtimeStats } from './stats.ts';

export interface RealtimeContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<EventsTables & OrdersDatabase>;
  readonly shared: { readonly pubsub: Pick<PubSub, 'subscribe'> };
  /** Undefined when METRICS_ENABLED=false. */
  readonly metrics: ServiceMetrics | undefined;
}

export const realtimeModule = defineModule({
  name: 'realtime',
  errors: realtimeErrors,
  routes(app: App, context: RealtimeContext) {
    const { config } = context;
    const logger = context.logger.child({ component: 'realtime' });
    const feed = createFeed(context.sql);
    const hub = createRealtimeHub({
      feed,
      pubsub: context.shared.pubsub,
      logger,
      pollMs: config.realtime.heartbeatMs,
    });
    const access = createChannelAccess(context.sql);
    const limits = config.realtime;
    const stats = new RealtimeStats();
    if (context.metrics !== undefined) reportRealtime(context.metrics, stats);
    registerEventStreamRoutes(app, { hub, feed, access, limits, stats });
    // The origins whose pages may use the session cookie, as for CSRF (wiring/trust.ts).
    const trustedOrigins = [
      ...config.cors.origins,
      ...(config.http.publicUrl === undefined ? [] : [new URL(config.http.publicUrl).origin]),
    ];
    registerSocketRoute(app, { hub, access, limits, logger, trustedOrigins, stats });
    // Draining starts when the server stops taking requests: clients are told
    // to reconnect, so the server's close does not wait out the grace for them.
    app.onDraining(() => {
      hub.drain();
    });
    context.lifecycle.add({ name: 'realtime', close: () => hub.stop() });
  },
});
