// The service's metrics, in Prometheus' data model (prom-client): requests by
// route (rate, errors, duration — the RED view), the parts a request uses
// (pool, cache, queues: how busy, how saturated, how failing — the USE
// view), and the process (event-loop delay and utilisation, GC, heap,
// handles: prom-client's default collectors).
//
// Every metric sits in two registries that differ only in their output:
// the Prometheus text format (what most scrapers ask for) and OpenMetrics
// (asked for by Accept: application/openmetrics-text), so GET /metrics can
// answer either without converting one into the other.
//
// The parts report by callback at scrape time (`gauge`, `counter`):
// nothing is counted twice, and a part that is never scraped costs nothing.

import type { HistogramStats } from './labelled-stats.ts';
import { RequestStats } from './request-stats.ts';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type OpenMetricsContentType,
} from 'prom-client';

/**
 * Request duration buckets, seconds: the API answers in single milliseconds
 * from cache, tens from the database, and is cut off at the 15 s statement
 * timeout; the edges sit where latency objectives are set (25, 100, 250 ms, 1 s).
 */
export const REQUEST_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15,
] as const;

export interface MetricsOutput {
  readonly contentType: string;
  readonly body: string;
}

type Labels<L extends string> = Partial<Record<L, string | number>>;

/** What a part reports at scrape time: one value per label set. */
export type Readings<L extends string> = readonly (readonly [Labels<L>, number])[];

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

/**
 * The registry, and the observer the request-metrics middleware reports to
 * (its RequestObserver, matched by shape: platform code does not import http).
 */
export class ServiceMetrics {
  readonly #text = new Registry();
  readonly #open = openMetricsRegistry();
  /** Counted in plain numbers, exposed when scraped (request-stats.ts). */
  readonly #requests = new RequestStats(REQUEST_BUCKETS);
  #inFlight = 0;
  #rendering: Promise<void> = Promise.resolve();

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    const registers = [this.#text, this.#open];
    const families = [
      this.#requests.counter(
        'http_requests_total',
        'Requests answered, by method, route pattern and status class (2xx…5xx).',
      ),
      this.#requests.histogram(
        'http_request_duration_seconds',
        'Time from the request entering the pipeline to its response being complete, by method and route pattern.',
      ),
    ];
    for (const register of registers) {
      for (const family of families) register.registerMetric(family as never);
    }
    const inFlight = (): number => this.#inFlight;
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests inside the pipeline now.',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    if (options.processMetrics ?? true) {
      for (const register of registers) collectDefaultMetrics({ register });
    }
  }

  started(): void {
    this.#inFlight += 1;
  }

  finished(method: string, route: string, status: number, seconds: number): void {
    this.#inFlight -= 1;
    this.#requests.record(method, route, status, seconds);
  }

  /** A gauge whose values a part reports when scraped. */
  gauge<L extends string>(
    config: Omit<GaugeConfiguration<L>, 'registers' | 'collect'>,
    read: () => Readings<L> | Promise<Readings<L>>,
  ): void {
    new Gauge<L>({
      ...config,
      registers: [this.#text, this.#open],
      async collect() {
        this.reset();
        for (const [labels, value] of await read()) this.set(labels, value);
      },
    });
  }

  /** A counter whose running totals a part keeps itself and reports when scraped. */
  counter<L extends string>(
    config: Omit<CounterConfiguration<L>, 'registers' | 'collect'>,
    read: () => Readings<L>,
  ): void {
    new Counter<L>({
      ...config,
      registers: [this.#text, this.#open],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  }

  /** A histogram a part keeps in plain numbers (labelled-stats.ts), exposed when scraped. */
  histogram(name: string, help: string, stats: HistogramStats): void {
    const family = stats.metric(name, help);
    for (const register of [this.#text, this.#open]) register.registerMetric(family as never);
  }

  /** The scrape, in OpenMetrics when asked for, else the Prometheus text format. */
  async render(openMetrics: boolean): Promise<MetricsOutput> {
    // One scrape at a time: an OpenMetrics rendering renames the counters
    // it shares with the text registry while it runs (below).
    const previous = this.#rendering;
    let finished!: () => void;
    this.#rendering = new Promise((resolve) => {
      finished = resolve;
    });
    await previous;
    try {
      if (!openMetrics)
        return { contentType: this.#text.contentType, body: await this.#text.metrics() };
      const body = await this.#open.metrics();
      // prom-client names an OpenMetrics counter family without `_total` by
      // renaming the counter itself; the text format needs the name back.
      for (const metric of this.#open.getMetricsAsArray()) {
        const named = metric as unknown as { name: string; type?: string };
        if (named.type === 'counter' && !named.name.endsWith('_total')) named.name += '_total';
      }
      return { contentType: this.#open.contentType, body };
    } finally {
      finished();
    }
  }
}
