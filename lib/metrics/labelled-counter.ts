import type { Counter } from 'prom-client';

/**
 * A counter whose label values are checked by the compiler, so a service cannot put an
 * unbounded value (a user name, a token, a path) into a label by accident.
 */
export interface LabelledCounter<Labels extends Record<string, string>> {
  inc(labels: Labels, value?: number): void;
}

/** A counter without labels. */
export interface PlainCounter {
  inc(value?: number): void;
}

/**
 * Wraps `counter` with a typed `inc`, and creates each known label combination at zero so the
 * series exist before the first event (Prometheus `rate()` and alerts need them from the start).
 */
export function labelled<Labels extends Record<string, string>>(
  counter: Counter<Extract<keyof Labels, string>>,
  known: readonly Labels[] = [],
): LabelledCounter<Labels> {
  for (const labels of known) counter.inc(labels, 0);
  return { inc: (labels, value = 1) => counter.inc(labels, value) };
}
