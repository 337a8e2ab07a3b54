import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../lib/metrics/index.js';
import { createAuthMetrics } from '../../../services/auth/adapters/metrics/auth-metrics.js';
import { createGatewayMetrics, upstreamErrorKind } from '../../../gateway/gateway-metrics.js';
import { parsePrometheusText, valueOf } from './prometheus-text.js';

async function samplesOf(metrics: ReturnType<typeof createMetrics>) {
  return parsePrometheusText(await metrics.registry.metrics());
}

describe('auth domain counters', () => {
  it('when nothing happened yet, then every known outcome and grant is exported at zero', async () => {
    const metrics = createMetrics({ service: 'auth', defaultMetrics: false });
    createAuthMetrics(metrics);
    const samples = await samplesOf(metrics);
    for (const outcome of ['success', 'invalid_credentials', 'locked', 'rate_limited']) {
      expect(valueOf(samples, 'auth_logins_total', { outcome })).toBe(0);
    }
    for (const grant of ['password', 'refresh_token', 'client_credentials']) {
      expect(valueOf(samples, 'auth_tokens_issued_total', { grant })).toBe(0);
    }
    expect(valueOf(samples, 'auth_refresh_reuse_detected_total')).toBe(0);
  });

  it('when events are counted, then the counters move; a second factory call shares them', async () => {
    const metrics = createMetrics({ service: 'auth', defaultMetrics: false });
    const first = createAuthMetrics(metrics);
    const second = createAuthMetrics(metrics);
    first.logins.inc({ outcome: 'success' });
    second.logins.inc({ outcome: 'success' });
    first.logins.inc({ outcome: 'invalid_credentials' });
    first.tokensIssued.inc({ grant: 'client_credentials' }, 3);
    second.refreshReuseDetected.inc();
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'auth_logins_total', { outcome: 'success', service: 'auth' })).toBe(2);
    expect(valueOf(samples, 'auth_logins_total', { outcome: 'invalid_credentials' })).toBe(1);
    expect(valueOf(samples, 'auth_tokens_issued_total', { grant: 'client_credentials' })).toBe(3);
    expect(valueOf(samples, 'auth_refresh_reuse_detected_total')).toBe(1);
  });
});

describe('gateway domain counters', () => {
  it('when verifications, JWKS fetches and upstream errors are counted, then each series moves', async () => {
    const metrics = createMetrics({ service: 'gateway', defaultMetrics: false });
    const gateway = createGatewayMetrics(metrics);
    gateway.tokenVerifications.inc({ outcome: 'ok' });
    gateway.tokenVerifications.inc({ outcome: 'TOKEN_EXPIRED' });
    gateway.tokenVerifications.inc({ outcome: 'TOKEN_EXPIRED' });
    gateway.jwksFetches.inc({ result: 'ok' });
    gateway.upstreamErrors.inc({ upstream: 'notes', kind: 'timeout' });
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'gateway_token_verifications_total', { outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'gateway_token_verifications_total', { outcome: 'TOKEN_EXPIRED' })).toBe(2);
    expect(valueOf(samples, 'gateway_jwks_fetches_total', { result: 'ok' })).toBe(1);
    expect(valueOf(samples, 'gateway_jwks_fetches_total', { result: 'error' })).toBe(0);
    expect(valueOf(samples, 'gateway_upstream_errors_total', { upstream: 'notes', kind: 'timeout' })).toBe(1);
  });

  it('when ok verifications come between scrapes, from two factory calls on one registry, then every scrape counts all of them once', async () => {
    const metrics = createMetrics({ service: 'gateway', defaultMetrics: false });
    const first = createGatewayMetrics(metrics);
    const second = createGatewayMetrics(metrics);
    for (let i = 0; i < 3; i++) first.tokenVerifications.inc({ outcome: 'ok' });
    second.tokenVerifications.inc({ outcome: 'ok' }, 2);
    expect(valueOf(await samplesOf(metrics), 'gateway_token_verifications_total', { outcome: 'ok' })).toBe(5);
    expect(valueOf(await samplesOf(metrics), 'gateway_token_verifications_total', { outcome: 'ok' })).toBe(5);
    first.tokenVerifications.inc({ outcome: 'ok' });
    expect(valueOf(await samplesOf(metrics), 'gateway_token_verifications_total', { outcome: 'ok' })).toBe(6);
  });

  it.each([
    ['eyJhbGciOiJSUzI1NiJ9.payload.sig'],
    ['jwt malformed'],
    ['token_expired'],
    ['A'.repeat(100)],
  ])('when an outcome is not a stable error code (%s), then it is folded into OTHER', async (outcome) => {
    const metrics = createMetrics({ service: 'gateway', defaultMetrics: false });
    createGatewayMetrics(metrics).tokenVerifications.inc({ outcome });
    const samples = await samplesOf(metrics);
    expect(valueOf(samples, 'gateway_token_verifications_total', { outcome: 'OTHER' })).toBe(1);
    expect(samples.some((s) => s.labels.outcome === outcome)).toBe(false);
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, 'connect'],
    [{ code: 'ENOTFOUND' }, 'connect'],
    [{ code: 'ECONNRESET' }, 'reset'],
    [{ code: 'ETIMEDOUT' }, 'timeout'],
    [Object.assign(new Error('t'), { name: 'TimeoutError' }), 'timeout'],
    [new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }), 'connect'],
    [new Error('something else'), 'other'],
    [undefined, 'other'],
  ])('when an upstream error is %o, then its kind is %s', (err, kind) => {
    expect(upstreamErrorKind(err)).toBe(kind);
  });
});

describe('counter helper', () => {
  it('when a name is already taken by another metric type, then it refuses', () => {
    const metrics = createMetrics({ service: 'x', defaultMetrics: false });
    expect(() => metrics.counter('http_request_duration_seconds', 'clash')).toThrow(/another type/);
  });
});
