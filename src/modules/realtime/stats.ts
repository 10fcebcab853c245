// What the realtime transports count, in plain numbers, for the metrics
// (metrics.ts reads them when scraped): clients connected now, event
// messages handed to them, clients cut for not keeping up, and WebSocket
// upgrades refused, by why.

export type Transport = 'sse' | 'websocket';

export const TRANSPORTS: readonly Transport[] = ['sse', 'websocket'];

/** Why an upgrade was refused: a closed set, so the label stays bounded. */
export type UpgradeRefusal = 'not_websocket' | 'origin' | 'draining' | 'not_http1' | 'unavailable';

export const UPGRADE_REFUSALS: readonly UpgradeRefusal[] = [
  'not_websocket',
  'origin',
  'draining',
  'not_http1',
  'unavailable',
];

export class RealtimeStats {
  readonly connected: Record<Transport, number> = { sse: 0, websocket: 0 };
  readonly messagesSent: Record<Transport, number> = { sse: 0, websocket: 0 };
  readonly slowConsumersDropped: Record<Transport, number> = { sse: 0, websocket: 0 };
  readonly upgradesRefused: Record<UpgradeRefusal, number> = {
    not_websocket: 0,
    origin: 0,
    draining: 0,
    not_http1: 0,
    unavailable: 0,
  };
}
