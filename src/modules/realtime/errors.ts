import { defineErrors, errorFactory } from '../../errors/index.ts';

export const realtimeErrors = defineErrors({
  // The socket endpoint was asked for without `Upgrade: websocket` (RFC 6455 §4.2.1).
  REALTIME_UPGRADE_REQUIRED: { status: 426, title: 'WebSocket upgrade required', level: 'info' },
  // A browser page from an origin we do not serve tried to open a socket:
  // with a session cookie that is cross-site WebSocket hijacking.
  REALTIME_ORIGIN_REFUSED: { status: 403, title: 'Origin not allowed', level: 'info' },
  // The instance is shutting down: connect again (to another instance).
  REALTIME_DRAINING: { status: 503, title: 'Instance shutting down', level: 'info' },
});

export const realtimeError = errorFactory(realtimeErrors);
