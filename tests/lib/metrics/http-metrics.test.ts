import http from 'node:http';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import { listen, type RunningServer } from '../../../lib/http/server.js';
import { createLogger } from '../../../lib/logger.js';
import { AppError } from '../../../lib/errors.js';
import { createMetrics, type Metrics } from '../../../lib/metrics/index.js';
import { plainRoutes } from '../../../lib/http/plain-route.js';
import { parsePrometheusText, valueOf, type Sample } from './prometheus-text.js';

const logger = createLogger({ name: 'metrics-test', level: 'silent' });

describe('createBaseApp with metrics', () => {
  let metrics: Metrics;
  let running: RunningServer;
  let hung: http.ServerResponse | undefined;
  let markHung: () => void = () => {};
  const hungSeen = new Promise<void>((resolve) => (markHung = resolve));

  beforeAll(async () => {
    metrics = createMetrics({ service: 'notes' });
    const app = createBaseApp({ logger, metrics });
    app.get('/users/:name', (req, res) => void res.json({ name: req.params.name }));
    const notes = Router();
    notes.get('/:id', (req, res) => void res.json({ id: req.params.id }));
    notes.post('/:id', () => {
      throw new AppError('INVALID_REQUEST', 400, 'bad note');
    });
    app.use('/notes', notes);
    app.get('/slow', (_req, res) => {
      hung = res;
      markHung();
    });
    finishApp(app);
    running = await listen(app, { port: 0 });
  });

  afterAll(async () => {
    hung?.end();
    await running?.close(0);
  });

  async function scrape(): Promise<Sample[]> {
    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  }

  const requests = (method: string, route: string, status: string) => ({ method, route, status });

  it('when requests were served, then the counters moved by route pattern and status', async () => {
    for (const path of ['/users/alice', '/users/bob-the-builder', '/notes/6f1c2a', '/healthz']) {
      expect((await fetch(`${running.url}${path}`)).status).toBe(200);
    }
    expect((await fetch(`${running.url}/notes/6f1c2a`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${running.url}/secret-path/for/mallory`)).status).toBe(404);

    const samples = await scrape();
    expect(valueOf(samples, 'http_requests_total', requests('GET', '/users/:name', '200'))).toBe(2);
    expect(valueOf(samples, 'http_requests_total', requests('GET', '/notes/:id', '200'))).toBe(1);
    expect(valueOf(samples, 'http_requests_total', requests('POST', '/notes/:id', '400'))).toBe(1);
    expect(valueOf(samples, 'http_requests_total', requests('GET', '/healthz', '200'))).toBe(1);
    expect(valueOf(samples, 'http_requests_total', requests('GET', 'unmatched', '404'))).toBe(1);
    expect(valueOf(samples, 'http_request_duration_seconds_count', requests('GET', '/users/:name', '200'))).toBe(2);
    expect(valueOf(samples, 'http_request_duration_seconds_sum', requests('GET', '/users/:name', '200'))).toBeGreaterThan(0);
  });

  it('when labels are listed, then no raw path, id, user name or query value appears', async () => {
    const samples = await scrape();
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    for (const raw of ['alice', 'bob-the-builder', '6f1c2a', 'mallory', 'secret-path', '42', 'abc']) {
      expect(labelValues.filter((v) => v.includes(raw))).toEqual([]);
    }
    const routes = new Set(samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route));
    for (const route of routes) expect(['/api/things', '/healthz', '/metrics', '/notes/:id', '/slow', '/users/:name', 'unmatched']).toContain(route);
  });

  it('when scraped, then default process metrics carry the service label', async () => {
    const samples = await scrape();
    expect(valueOf(samples, 'process_cpu_user_seconds_total', { service: 'notes' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes', { service: 'notes' })).toBeGreaterThan(0);
    expect(samples.every((s) => s.labels.service === 'notes')).toBe(true);
  });

  it('when the /metrics scrape itself is answered, then it is counted on the next scrape', async () => {
    const before = valueOf(await scrape(), 'http_requests_total', requests('GET', '/metrics', '200')) ?? 0;
    const after = valueOf(await scrape(), 'http_requests_total', requests('GET', '/metrics', '200'));
    expect(after).toBe(before + 1);
  });

  it('when a client hangs up before the answer, then the request is counted with status 499', async () => {
    const req = http.get(`${running.url}/slow`);
    req.on('error', () => {});
    await hungSeen;
    req.destroy();
    const deadline = Date.now() + 5_000;
    let aborted: number | undefined;
    while (aborted === undefined && Date.now() < deadline) {
      aborted = valueOf(await scrape(), 'http_requests_total', requests('GET', '/slow', '499'));
      if (aborted === undefined) await new Promise((r) => setImmediate(r));
    }
    expect(aborted).toBe(1);
  });
});

describe('createBaseApp without metrics', () => {
  it('when no metrics option is given, then /metrics is not served (existing callers unchanged)', async () => {
    const running = await listen(finishApp(createBaseApp({ logger })), { port: 0 });
    try {
      expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await running.close(0);
    }
  });
});

describe('the same lifecycle outside express', () => {
  it('when a plain node route answers, then the scrape shows its route label, never the path', async () => {
    const metrics = createMetrics({ service: 'gateway', defaultMetrics: false });
    const serve = plainRoutes({ logger, metrics, realm: 'test' });
    const handler: http.RequestListener = (req, res) => {
      if (req.url === '/metrics') return void metrics.metricsHandler(req, res);
      serve(req, res, '/api/notes', async (_req, answer) => {
        answer.statusCode = 504;
        answer.end();
      });
    };
    const running = await listen(handler, { port: 0 });
    try {
      expect((await fetch(`${running.url}/api/notes/123`)).status).toBe(504);
      const samples = parsePrometheusText(await (await fetch(`${running.url}/metrics`)).text());
      expect(valueOf(samples, 'http_requests_total', { method: 'GET', route: '/api/notes', status: '504' })).toBe(1);
      expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes('123')))).toBe(false);
    } finally {
      await running.close(0);
    }
  });
});
