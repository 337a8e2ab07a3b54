import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createLogger } from '../../../lib/logger.js';
import { createMetrics, type Metrics } from '../../../lib/metrics/registry.js';
import { loadAuthConfig, type AuthConfig } from '../../../services/auth/config.js';
import type { DeliveryPolicy } from '../../../services/auth/domain/mail/delivery-policy.js';
import type { Mail } from '../../../services/auth/domain/mail/mail.js';
import { MAIL_TEMPLATES } from '../../../services/auth/domain/mail/mail-templates.js';
import { mailLinkUrl, renderMail } from '../../../services/auth/domain/mail/render-mail.js';
import { openMail, type MailService } from '../../../services/auth/open-mail.js';
import { LineSink } from '../support/audit-capture.js';

/** Short waits so retries happen within a test; the shape of the policy is production's. */
export const FAST_DELIVERY: Partial<DeliveryPolicy> = { baseDelayMs: 40, maxDelayMs: 300, pollIntervalMs: 50, leaseMs: 10_000, stopGraceMs: 5_000, maxAttempts: 4 };

export interface OpenedMail {
  mail: MailService;
  config: AuthConfig;
  metrics: Metrics;
  sink: LineSink;
}

/** The real mail wiring (`openMail`, as auth's start does), its logs at debug into `sink`, the worker started. */
export async function openTestMail(env: Record<string, string>, delivery: Partial<DeliveryPolicy> = FAST_DELIVERY, sink = new LineSink()): Promise<OpenedMail> {
  const config = loadAuthConfig({ LOG_LEVEL: 'debug', ...env });
  const logger = createLogger({ name: 'auth', level: 'debug', destination: sink });
  const metrics = createMetrics({ service: 'auth', defaultMetrics: false });
  const mail = await openMail(config, { logger, metrics, delivery });
  mail.worker.start();
  return { mail, config, metrics, sink };
}

/** A password-reset mail as the account flow will render it: a fresh token in its link. */
export function resetMail(config: AuthConfig, to = `user-${randomBytes(4).toString('hex')}@example.test`): { mail: Mail; token: string; link: string } {
  const token = randomBytes(32).toString('base64url');
  const link = mailLinkUrl(config.AUTH_PUBLIC_URL, { path: '/account/reset-password', query: { token } });
  return { mail: renderMail(MAIL_TEMPLATES['password-reset'], to, link, { username: 'dana', minutes: '30' }), token, link };
}

export async function deliveries(metrics: Metrics, result: 'sent' | 'retry' | 'failed'): Promise<number> {
  const metric = metrics.registry.getSingleMetric('auth_mail_deliveries_total');
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

/** No log line holds any of `secrets` (tokens, links, the body). */
export function expectNoSecrets(sink: LineSink, secrets: string[]): void {
  for (const line of sink.lines) for (const secret of secrets) expect(line.includes(secret), `log line holds a secret: ${line}`).toBe(false);
}

/** Parsed log lines whose message starts with `prefix`. */
export function logLines(sink: LineSink, prefix: string): Array<Record<string, unknown>> {
  return sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
}

export const tempDataDir = () => mkdtemp(path.join(tmpdir(), 'auth-mail-'));
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });
