import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { openRevocationList } from '../../lib/revocation/open-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { redisSettingsForUrl, type RedisSettings } from '../../lib/redis/env.js';
import { loadNotesConfig } from '../../services/notes/config.js';
import { startNotesService, type RunningNotesService } from '../../services/notes/notes-service.js';
import { freePort } from '../support/free-port.js';
import { startTestIssuer, type TestIssuer } from './verifier/test-issuer.js';
import { HAS_REDIS, TEST_REDIS_URL } from '../support/redis.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const FEED_TOKEN = 'f'.repeat(40);
const opened: RevocationList[] = [];
const open = async (config: { redis?: RedisSettings }, env: Record<string, string>) => {
  const list = await openRevocationList({ verifier: { authUrl: `http://127.0.0.1:${await freePort()}` }, ...config }, { connectionName: 'test-open', logger, env });
  opened.push(list);
  return list;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((list) => list.close()));
});

describe('openRevocationList picks the feed', () => {
  it.runIf(HAS_REDIS)('when REDIS_URL is set, then Redis is the feed, whatever else is set', async () => {
    expect((await open({ redis: redisSettingsForUrl(TEST_REDIS_URL) }, { REVOCATION_FEED_TOKEN: FEED_TOKEN })).status().source).toBe('redis');
  });

  it('when only REVOCATION_FEED_TOKEN is set, then the auth service feed is used', async () => {
    expect((await open({}, { REVOCATION_FEED_TOKEN: FEED_TOKEN })).status().source).toBe('auth');
  });

  it('when neither is set, then nothing is heard and the status says so', async () => {
    expect((await open({}, {})).status()).toMatchObject({ source: 'none', up: false });
  });

  it.each<{ name: string; env: Record<string, string>; variable: string }>([
    { name: 'REVOCATION_FEED_REQUIRED without any feed', env: { REVOCATION_FEED_REQUIRED: 'true' }, variable: 'REVOCATION_FEED_REQUIRED' },
    { name: 'a REVOCATION_FEED_REQUIRED that is not a boolean', env: { REVOCATION_FEED_REQUIRED: 'maybe' }, variable: 'REVOCATION_FEED_REQUIRED' },
    { name: 'a REVOCATION_FEED_TOKEN shorter than 32 characters', env: { REVOCATION_FEED_TOKEN: 'short' }, variable: 'REVOCATION_FEED_TOKEN' },
  ])('when given $name, then start-up stops naming the variable', async ({ env, variable }) => {
    const failure = await open({}, env).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).variable).toBe(variable);
  });

  it('when REVOCATION_FEED_REQUIRED and the feed was never reached, then a check is refused with 503, never accepted', async () => {
    const list = await open({}, { REVOCATION_FEED_TOKEN: FEED_TOKEN, REVOCATION_FEED_REQUIRED: 'true' });
    expect(() => list.isRevoked('any')).toThrow(expect.objectContaining({ code: 'REVOCATION_FEED_UNAVAILABLE', status: 503 }));
    expect(() => list.isSessionRevoked('any')).toThrow(expect.objectContaining({ code: 'REVOCATION_FEED_UNAVAILABLE', status: 503 }));
  });
});

describe('a resource service reports its feed', () => {
  let issuer: TestIssuer;
  let notes: RunningNotesService;
  afterEach(async () => {
    await notes?.close();
    await issuer?.close();
  });

  it('when notes runs with no feed, then /readyz is 200 with revocation_feed degraded and source none, and the gauge is 0', async () => {
    issuer = await startTestIssuer();
    const metrics = createMetrics({ service: 'notes', defaultMetrics: false });
    const revocations = await openRevocationList({ verifier: { authUrl: issuer.issuer } }, { connectionName: 'test', logger, metrics, env: {} });
    notes = await startNotesService(loadNotesConfig({ NOTES_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent' }), { logger, revocations, metrics });
    const res = await fetch(`${notes.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ checks: { jwks: 'ok', revocation_feed: 'degraded' }, details: { revocation_feed: { source: 'none', up: false } } });
    expect(await (await fetch(`${notes.url}/metrics`)).text()).toMatch(/revocation_feed_up\{source="none"[^}]*\} 0/);
  });
});
