// The gRPC listener (GRPC_PORT; off when unset): the modules' gRPC services
// (module.ts `grpc`) built from the same context as their routes, so both
// transports call one service layer. Calls authenticate with the HTTP
// credentials (access tokens, API keys in `authorization` metadata), map
// the driver errors the HTTP app maps, log their failures like the access
// log does, and are counted and traced like requests (when metrics are on,
// and when tracing is). Closed by the lifecycle: running calls get the shutdown
// grace period, then are cut.

import { fileURLToPath } from 'node:url';
import { status as Status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { startGrpcServer, type RunningGrpcServer } from '../grpc/server.ts';
import type { CallTracker, TrackedCall } from '../grpc/unary.ts';
import type { ServiceMetrics } from '../platform/metrics/metrics.ts';
import { RpcStats } from '../platform/metrics/rpc-stats.ts';
import { activeServerSpans } from '../platform/tracing/active.ts';
import { createRpcTracer } from '../platform/tracing/rpc-spans.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { toSqlError } from '../platform/sql/sql-errors.ts';
import { runInUnitOfWork, UnitOfWork } from '../platform/unit-of-work.ts';
import { moduleGrpcServices, type ServiceContext } from './modules.ts';

export const PROTO_ROOT = fileURLToPath(new URL('../../proto/', import.meta.url));
export const PROTO_FILES = ['throughline/v1/catalog.proto', 'throughline/v1/orders.proto'];

/** How long cutting the calls still running after the grace may take. */
const GRPC_CUT_MS = 1000;

export async function startGrpc(
  config: Config,
  context: ServiceContext,
  deps: { readonly logger: Logger; readonly lifecycle: Lifecycle; readonly port?: number },
): Promise<RunningGrpcServer | undefined> {
  const port = deps.port ?? config.grpc.port;
  if (port === undefined) return undefined;
  const logger = deps.logger.child({ component: 'grpc' });
  const server = await startGrpcServer({
    host: config.grpc.host,
    port,
    protoRoot: PROTO_ROOT,
    protoFiles: PROTO_FILES,
    services: moduleGrpcServices(context),
    hooks: {
      authenticate: context.credentials.authorize,
      errorMappers: [toSqlError],
      // As over HTTP (unit-of-work.ts): a call whose client left stops its queries.
      around: (signal, work) => runInUnitOfWork(new UnitOfWork({ signal }), work),
      track: callTracking(context.metrics),
      failed({ method, error, cause }) {
        logger[error.level](
          { method, code: error.code, ...(error.status >= 500 ? { err: cause } : {}) },
          'gRPC call failed',
        );
      },
    },
  });
  deps.lifecycle.add({
    name: 'grpc-server',
    closeTimeoutMs: config.shutdown.graceMs + GRPC_CUT_MS,
    close: () => server.close(config.shutdown.graceMs),
  });
  logger.info({ port: server.port, host: config.grpc.host }, 'gRPC listening');
  return server;
}

/**
 * Each call counted and timed by method and status (RpcStats, beside the
 * HTTP request metrics in the same scrape) and, when tracing, given a
 * server span; undefined when neither is on.
 */
function callTracking(
  metrics: ServiceMetrics | undefined,
): ((call: TrackedCall) => CallTracker) | undefined {
  let stats: RpcStats | undefined;
  if (metrics !== undefined) {
    stats = new RpcStats();
    stats.report(metrics);
  }
  const serverSpans = activeServerSpans();
  const spans = serverSpans === undefined ? undefined : createRpcTracer(serverSpans);
  if (stats === undefined && spans === undefined) return undefined;
  return (call) => {
    const counted = stats?.started(call.service, call.method);
    const span = spans?.start(call);
    return {
      run: (work) => (span === undefined ? work() : span.run(work)),
      end(code, error, cause) {
        counted?.(Status[code]);
        // As over HTTP, a client's mistake is an answer, not a failure.
        span?.end(code, error !== undefined && error.status >= 500 ? { error: cause } : undefined);
      },
    };
  };
}
