// The realtime families on the service's metrics, read from RealtimeStats
// when scraped (as the root reports its other parts, wiring/work-metrics.ts).

import type { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import { TRANSPORTS, UPGRADE_REFUSALS, type RealtimeStats, type Transport } from './stats.ts';

function byTransport(counts: Record<Transport, number>) {
  return TRANSPORTS.map((transport) => [{ transport }, counts[transport]] as const);
}

export function reportRealtime(metrics: ServiceMetrics, stats: RealtimeStats): void {
  metrics.gauge(
    {
      name: 'realtime_clients',
      help: 'Realtime clients connected to this instance now, by transport (sse, websocket).',
      labelNames: ['transport'],
    },
    () => byTransport(stats.connected),
  );
  metrics.counter(
    {
      name: 'realtime_messages_sent_total',
      help: 'Event messages handed to realtime clients, by transport.',
      labelNames: ['transport'],
    },
    () => byTransport(stats.messagesSent),
  );
  metrics.counter(
    {
      name: 'realtime_slow_consumers_dropped_total',
      help: 'Realtime clients cut because they did not take their messages (send buffer over its cap, or an event stream stalled for two heartbeats), by transport.',
      labelNames: ['transport'],
    },
    () => byTransport(stats.slowConsumersDropped),
  );
  metrics.counter(
    {
      name: 'realtime_upgrades_refused_total',
      help: 'WebSocket upgrade requests refused, by reason: not_websocket, origin, draining, not_http1 (HTTP/2), unavailable (the hub could not start).',
      labelNames: ['reason'],
    },
    () => UPGRADE_REFUSALS.map((reason) => [{ reason }, stats.upgradesRefused[reason]] as const),
  );
}
