import type { Registry } from 'prom-client';

/** One method/route/status series: its request count, duration sum and per-bucket counts. */
interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Non-cumulative: bucketCounts[i] counts durations in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
  bucketCounts: Float64Array;
}

/** A sample as prom-client's registry renders it; `sharedLabels` go after `labels`, as prom-client's histogram puts `le` first. */
interface MetricValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
}

/**
 * `http_request_duration_seconds` (histogram) and `http_requests_total` (counter) by method,
 * route pattern and status, recorded once per request by every service (the gateway's proxy
 * path included). prom-client's own Histogram and Counter validate and hash the label object on
 * every call, which was a visible share of the gateway's CPU per request (bench/README.md); here
 * a series is found by one string key, and both metrics read the same series. The registry
 * renders them as any prom-client metric (these implement the `get()` it calls at scrape time),
 * with the same names, labels, buckets and default labels as before.
 */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[],
    names: { duration: { name: string; help: string }; total: { name: string; help: string } },
  ) {
    registry.registerMetric(this.metric(names.duration.name, names.duration.help, 'histogram', () => this.histogramValues(names.duration.name)) as never);
    registry.registerMetric(this.metric(names.total.name, names.total.help, 'counter', () => this.counterValues()) as never);
  }

  observe(method: string, route: string, status: string, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = { labels: { method, route, status }, count: 0, sum: 0, bucketCounts: new Float64Array(this.bounds.length + 1) };
      this.series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]!) bucket++;
    series.bucketCounts[bucket]!++;
  }

  private metric(name: string, help: string, type: 'histogram' | 'counter', values: () => MetricValue[]) {
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, values: values(), aggregator: 'sum' }),
      reset: () => this.series.clear(),
    };
  }

  private counterValues(): MetricValue[] {
    return [...this.series.values()].map((series) => ({ labels: { ...series.labels }, value: series.count }));
  }

  private histogramValues(name: string): MetricValue[] {
    const values: MetricValue[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      const sharedLabels = { ...series.labels };
      this.bounds.forEach((bound, index) => {
        cumulative += series.bucketCounts[index]!;
        values.push({ metricName: `${name}_bucket`, labels: { le: bound }, sharedLabels, value: cumulative });
      });
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, sharedLabels, value: series.count });
      values.push({ metricName: `${name}_sum`, labels: {}, sharedLabels, value: series.sum });
      values.push({ metricName: `${name}_count`, labels: {}, sharedLabels, value: series.count });
    }
    return values;
  }
}
