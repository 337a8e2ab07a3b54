import { afterEach } from 'vitest';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import type { DeliveryPolicy } from '../../../services/auth/domain/mail/delivery-policy.js';
import { APP_AFTER_LOGOUT, APP_REDIRECT } from '../../e2e/support/app-sign-in.js';
import { LineSink, removeDir, startAuditedAuth, tempDir, type AuditedAuth } from '../support/audit-capture.js';
import { PASSWORD, post, request } from '../support/http-client.js';
import { LogoutReceiver } from './logout-receiver.js';

export const ADMIN_TOKEN = 'admin-token-for-backchannel-logout-tests-0123456789';

/** Retries within a fraction of a second, so "down, then up" takes no real time in a test. */
export const QUICK_RETRIES: Partial<DeliveryPolicy> = { baseDelayMs: 50, maxDelayMs: 300, pollIntervalMs: 50, stopGraceMs: 500 };

export interface BackchannelAuth extends AuditedAuth {
  sink: LineSink;
  dataDir: string;
  receiver: LogoutReceiver;
  /** Stops auth (not the receiver or the data) and starts it again on the same data directory and users. */
  restart(): Promise<BackchannelAuth>;
}

/**
 * The real auth service (admin API on, clients and the back-channel queue embedded under a temp
 * AUTH_DATA_DIR unless `env` names Redis) and a real logout receiver; both stop after the test.
 */
export function backchannelAuthPerTest(): (env?: Record<string, string>) => Promise<BackchannelAuth> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  return async (env = {}) => {
    const dataDir = await tempDir('backchannel');
    cleanups.push(() => removeDir(dataDir));
    const users = new MemoryUserStore();
    const fullEnv = { AUTH_DATA_DIR: dataDir, AUTH_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'info', BACKCHANNEL_LOGOUT_TIMEOUT: '1', ...env };
    let receiver: LogoutReceiver | undefined;
    const start = async (): Promise<BackchannelAuth> => {
      const sink = new LineSink();
      const auth = await startAuditedAuth(sink, fullEnv, users, { backchannelDelivery: QUICK_RETRIES });
      cleanups.push(() => auth.close());
      receiver ??= await LogoutReceiver.start(auth.url, auth.config.AUTH_ISSUER);
      receiver.readKeysFrom(auth.url);
      const ownReceiver = receiver;
      cleanups.push(() => ownReceiver.close());
      return {
        ...auth,
        sink,
        dataDir,
        receiver: ownReceiver,
        restart: async () => {
          await auth.close();
          return start();
        },
      };
    };
    return start();
  };
}

/** Registers an app (code + PKCE, OpenID Connect, first party) through the admin API, with its back-channel URI unless `backchannel` is false. */
export async function registerApp(service: BackchannelAuth, clientId: string, { backchannel = true, extra = {} }: { backchannel?: boolean; extra?: Record<string, unknown> } = {}) {
  const res = await request(service.url, 'POST', '/admin/clients', {
    token: ADMIN_TOKEN,
    json: {
      client_id: clientId,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [APP_REDIRECT],
      post_logout_redirect_uris: [APP_AFTER_LOGOUT],
      scope: 'openid notes:read',
      first_party: true,
      ...(backchannel ? { backchannel_logout_uri: service.receiver.uriFor(clientId) } : {}),
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`registering ${clientId} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Registers a user; resolves its id. */
export async function newUser(service: BackchannelAuth, username: string, email?: string): Promise<string> {
  const res = await post(service.url, '/auth/register', { username, password: PASSWORD, ...(email ? { email } : {}) });
  if (res.status !== 201) throw new Error(`registering ${username} answered ${res.status}`);
  return String(res.body.id);
}
