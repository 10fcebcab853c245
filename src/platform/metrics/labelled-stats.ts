// Histograms and counters kept in plain numbers by the part that records
// them, and turned into metric families only when scraped — the same bargain
// as request-stats.ts: a recording costs a map lookup and a few additions,
// not prom-client's label hashing and validation on every call.
//
// Labels are given as values in the order of `labelNames`; the caller is
// responsible for keeping their number bounded (statement names are capped
// by query-stats.ts, breakers by platform/breakers.ts).

import { ScrapedMetric, type ScrapedValue } from './request-stats.ts';

interface Series {
  readonly labels: Record<string, string>;
  /** Non-cumulative counts per bucket; the last is above every bound (+Inf). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

function labelsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, i) => {
    labels[name] = values[i] ?? '';
  });
  return labels;
}

export class HistogramStats {
  readonly #names: readonly string[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(labelNames: readonly string[], bounds: readonly number[]) {
    this.#names = labelNames;
    this.#bounds = bounds;
  }

  record(values: readonly string[], seconds: number): void {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = {
        labels: labelsOf(this.#names, values),
        buckets: new Array<number>(this.#bounds.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, series);
    }
    let bucket = 0;
    while (bucket < this.#bounds.length && seconds > this.#bounds[bucket]!) bucket++;
    series.buckets[bucket]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** How many label sets have been recorded. */
  get size(): number {
    return this.#series.size;
  }

  metric(name: string, help: string): ScrapedMetric {
    return new ScrapedMetric(name, help, 'histogram', () => {
      const values: ScrapedValue[] = [];
      for (const { labels, buckets, sum, count } of this.#series.values()) {
        let cumulative = 0;
        for (let i = 0; i <= this.#bounds.length; i++) {
          cumulative += buckets[i]!;
          const le = i < this.#bounds.length ? this.#bounds[i]! : '+Inf';
          values.push({
            labels: { ...labels, le },
            value: cumulative,
            metricName: `${name}_bucket`,
          });
        }
        values.push({ labels, value: sum, metricName: `${name}_sum` });
        values.push({ labels, value: count, metricName: `${name}_count` });
      }
      return values;
    });
  }
}

/** Running counts per label set. */
export class Tally {
  readonly #names: readonly string[];
  readonly #counts = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(labelNames: readonly string[]) {
    this.#names = labelNames;
  }

  add(values: readonly string[], by = 1): void {
    const key = values.join('\u0000');
    const entry = this.#counts.get(key);
    if (entry === undefined)
      this.#counts.set(key, { labels: labelsOf(this.#names, values), value: by });
    else entry.value += by;
  }

  /** The count for one label set (0 when never added). */
  get(values: readonly string[]): number {
    return this.#counts.get(values.join('\u0000'))?.value ?? 0;
  }

  readings(): readonly (readonly [Record<string, string>, number])[] {
    return [...this.#counts.values()].map(({ labels, value }) => [labels, value] as const);
  }
}
