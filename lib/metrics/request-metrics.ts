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
 * a series is found by three Map lookups on short strings, with no key built per request, and
 * both metrics read the same series. The registry renders them as any prom-client metric (these
 * implement the `get()` it calls at scrape time), with the same names, labels, buckets and
 * default labels as before.
 */
export class RequestMetrics {
  /**
   * Every series, by route, then status, then method: found without building a key string per
   * request (the route and method strings are the same objects every time, their hashes cached).
   */
  private readonly byRoute = new Map<string, Map<string, Map<string, Series>>>();

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[],
    names: { duration: { name: string; help: string }; total: { name: string; help: string } },
  ) {
    registry.registerMetric(this.metric(names.duration.name, names.duration.help, 'histogram', () => this.histogramValues(names.duration.name)) as never);
    registry.registerMetric(this.metric(names.total.name, names.total.help, 'counter', () => this.counterValues()) as never);
  }

  observe(method: string, route: string, status: string, seconds: number): void {
    let byStatus = this.byRoute.get(route);
    if (byStatus === undefined) this.byRoute.set(route, (byStatus = new Map()));
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) byStatus.set(status, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (series === undefined) {
      series = { labels: { method, route, status }, count: 0, sum: 0, bucketCounts: new Float64Array(this.bounds.length + 1) };
      byMethod.set(method, series);
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
      reset: () => this.byRoute.clear(),
    };
  }

  private *allSeries(): Iterable<Series> {
    for (const byStatus of this.byRoute.values()) for (const byMethod of byStatus.values()) yield* byMethod.values();
  }

  private counterValues(): MetricValue[] {
    return [...this.allSeries()].map((series) => ({ labels: { ...series.labels }, value: series.count }));
  }

  private histogramValues(name: string): MetricValue[] {
    const values: MetricValue[] = [];
    for (const series of this.allSeries()) {
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
