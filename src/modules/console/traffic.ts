// The live-traffic view's figures, read from the service's own metrics (the
// same scrape Prometheus gets), per method and route pattern: requests so
// far by status class, and the latency histogram. The figures are running
// totals; the page turns two readings into a rate, so the server keeps no
// window of its own and answers every reader alike.

export interface RouteTraffic {
  readonly method: string;
  readonly route: string;
  readonly requests: number;
  /** 5xx answers: the service failed. */
  readonly serverErrors: number;
  /** 4xx answers: the request was refused. */
  readonly clientErrors: number;
  readonly totalSeconds: number;
  /** Upper bound (seconds) of the bucket that holds the median and the 95th percentile. */
  readonly p50Seconds: number | null;
  readonly p95Seconds: number | null;
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

// eslint-disable-next-line security/detect-unsafe-regex -- reads our own /metrics text, one line at a time, never request text
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseSamples(text: string, prefix: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name!] = value!.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

interface Building {
  method: string;
  route: string;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  totalSeconds: number;
  buckets: [number, number][];
}

/** Where in the cumulative histogram the `quantile` falls: that bucket's upper bound. */
function quantile(buckets: readonly [number, number][], count: number, q: number): number | null {
  if (count === 0) return null;
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  for (const [bound, cumulative] of sorted) {
    if (cumulative >= q * count) return Number.isFinite(bound) ? bound : null;
  }
  return null;
}

/** Per-route figures from a scrape in the Prometheus text format. */
export function routeTraffic(scrape: string): RouteTraffic[] {
  const routes = new Map<string, Building>();
  const entry = (labels: Readonly<Record<string, string>>): Building => {
    const method = labels.method ?? 'OTHER';
    const route = labels.route ?? '*';
    const key = `${method} ${route}`;
    let found = routes.get(key);
    if (found === undefined) {
      found = {
        method,
        route,
        requests: 0,
        serverErrors: 0,
        clientErrors: 0,
        totalSeconds: 0,
        buckets: [],
      };
      routes.set(key, found);
    }
    return found;
  };
  for (const sample of parseSamples(scrape, 'http_request')) {
    switch (sample.name) {
      case 'http_requests_total': {
        const building = entry(sample.labels);
        building.requests += sample.value;
        if (sample.labels.status === '5xx') building.serverErrors += sample.value;
        if (sample.labels.status === '4xx') building.clientErrors += sample.value;
        break;
      }
      case 'http_request_duration_seconds_sum':
        entry(sample.labels).totalSeconds += sample.value;
        break;
      case 'http_request_duration_seconds_bucket': {
        const bound = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
        entry(sample.labels).buckets.push([bound, sample.value]);
        break;
      }
    }
  }
  return [...routes.values()]
    .map(({ buckets, ...figures }) => ({
      ...figures,
      p50Seconds: quantile(buckets, figures.requests, 0.5),
      p95Seconds: quantile(buckets, figures.requests, 0.95),
    }))
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route));
}
