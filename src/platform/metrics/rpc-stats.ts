// gRPC calls in the RED view, as the request metrics give it for HTTP: calls
// by service, method and status code, their duration, and how many run now.
// The labels are the methods the services declare (grpc-js answers an
// unknown one itself, before any handler), so the series stay bounded.
// Counted in plain numbers (labelled-stats.ts), exposed when scraped.

import { HistogramStats, Tally } from './labelled-stats.ts';
import { REQUEST_BUCKETS, type ServiceMetrics } from './metrics.ts';

export class RpcStats {
  readonly durations = new HistogramStats(['grpc_service', 'grpc_method'], REQUEST_BUCKETS);
  readonly handled = new Tally(['grpc_service', 'grpc_method', 'grpc_code']);
  #inFlight = 0;

  /** A call to `service`'s `method` began; the function ends it with its status name. */
  started(service: string, method: string): (code: string) => void {
    const began = performance.now();
    this.#inFlight += 1;
    return (code) => {
      this.#inFlight -= 1;
      this.handled.add([service, method, code]);
      this.durations.record([service, method], (performance.now() - began) / 1000);
    };
  }

  /** Names the families in `metrics`. */
  report(metrics: ServiceMetrics): void {
    metrics.counter(
      {
        name: 'grpc_server_handled_total',
        help: 'gRPC calls answered, by service, method and status code (OK, NOT_FOUND, …).',
        labelNames: ['grpc_service', 'grpc_method', 'grpc_code'],
      },
      () => this.handled.readings(),
    );
    metrics.histogram(
      'grpc_server_handling_seconds',
      'Time from a gRPC call reaching its handler to its status, by service and method.',
      this.durations,
    );
    metrics.gauge({ name: 'grpc_server_in_flight', help: 'gRPC calls being handled now.' }, () => [
      [{}, this.#inFlight],
    ]);
  }
}
