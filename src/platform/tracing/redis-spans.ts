// A span for every Redis command sent inside a traced request or job. ioredis
// announces each command on the `ioredis:command` tracing channel of
// node:diagnostics_channel (its start in the caller's async context, its end
// when the reply settles), so subscribing here needs no change to the Redis
// adapters, and costs nothing while nobody subscribes. Named by the command
// alone: keys and values stay off the span. Commands sent outside a sampled
// span (BullMQ's and the subscriber's background traffic) add none.

import { tracingChannel } from 'node:diagnostics_channel';
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/** What ioredis publishes for a command (built/tracing.js). */
interface CommandMessage {
  readonly command?: string;
  readonly database?: number;
  readonly serverAddress?: string;
  readonly serverPort?: number;
}

/** Starts the Redis command spans; returns the function that stops them. */
export function startRedisSpans(tracer: Tracer): () => void {
  const channel = tracingChannel<object, CommandMessage & object>('ioredis:command');
  const spans = new WeakMap<object, Span>();
  const handlers = {
    start(message: CommandMessage & object) {
      const active = context.active();
      if (trace.getSpan(active)?.isRecording() !== true) return;
      const command = (message.command ?? 'command').toUpperCase();
      const span = tracer.startSpan(
        command,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'redis',
            'db.operation.name': command,
            'db.namespace': String(message.database ?? 0),
            ...(message.serverAddress === undefined
              ? {}
              : { 'server.address': message.serverAddress }),
            ...(message.serverPort === undefined ? {} : { 'server.port': message.serverPort }),
          },
        },
        active,
      );
      spans.set(message, span);
    },
    end() {},
    asyncStart() {},
    error(message: CommandMessage & object & { error: unknown }) {
      const span = spans.get(message);
      if (span === undefined) return;
      const error = message.error;
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR });
    },
    asyncEnd(message: CommandMessage & object) {
      const span = spans.get(message);
      if (span === undefined) return;
      spans.delete(message);
      span.end();
    },
  };
  channel.subscribe(handlers);
  return () => {
    channel.unsubscribe(handlers);
  };
}
