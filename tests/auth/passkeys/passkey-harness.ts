import { afterEach } from 'vitest';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { TestClock } from '../support/clock.js';
import { LineSink, removeDir, startAuditedAuth, tempDir, type AuditedAuth } from '../support/audit-capture.js';
import { post, registerAndLogin, request, type TokenPairBody } from '../support/http-client.js';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from './soft-authenticator.js';

/** The public URL the passkey tests' auth runs under: RP ID `id.example.test`. */
export const PUBLIC_URL = 'https://id.example.test';

export interface PasskeyAuth extends AuditedAuth {
  sink: LineSink;
  clock: TestClock;
  /** A user registered and signed in with a password, with an authenticator of their own. */
  user(name: string, authenticator?: Partial<SoftAuthenticatorOptions>): Promise<PasskeyUser>;
}

export interface PasskeyUser {
  id: string;
  username: string;
  token: string;
  authenticator: SoftAuthenticator;
  /** Registers a new passkey on the user's authenticator; the 201 body. */
  registerPasskey(name?: string): Promise<{ id: string; name: string }>;
}

/** The real auth service (memory users and tokens, embedded passkeys and challenges) with audit lines captured and a movable clock; one per test. */
export function passkeyAuthPerTest(): (env?: Record<string, string>) => Promise<PasskeyAuth> {
  const running: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of running.splice(0).reverse()) await stop();
  });
  return async (env = {}) => {
    const dataDir = await tempDir('passkeys');
    const sink = new LineSink();
    const clock = new TestClock();
    const auth = await startAuditedAuth(sink, { AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'info', AUTH_PUBLIC_URL: PUBLIC_URL, ...env }, undefined, { now: clock.now });
    running.push(async () => {
      await auth.close();
      await removeDir(dataDir);
    });
    return {
      ...auth,
      sink,
      clock,
      async user(username, authenticatorOptions = {}) {
        const login = await registerAndLogin(auth.url, username);
        const authenticator = new SoftAuthenticator({ origin: PUBLIC_URL, ...authenticatorOptions });
        return {
          id: login.id,
          username,
          token: login.access_token,
          authenticator,
          async registerPasskey(name) {
            const options = await post<PublicKeyCredentialCreationOptionsJSON>(auth.url, '/auth/webauthn/register/options', {}, login.access_token);
            if (options.status !== 200) throw new Error(`register options: ${options.status} ${JSON.stringify(options.body)}`);
            const registered = await post(auth.url, '/auth/webauthn/register', { response: authenticator.create(options.body), ...(name ? { name } : {}) }, login.access_token);
            if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
            return registered.body as { id: string; name: string };
          },
        };
      },
    };
  };
}

export const loginOptions = (url: string, username?: string) =>
  post<PublicKeyCredentialRequestOptionsJSON>(url, '/auth/webauthn/login/options', username === undefined ? {} : { username });

export const passkeyLogin = (url: string, response: unknown) => post<TokenPairBody & { error?: string }>(url, '/auth/webauthn/login', { response });

export const credentialsOf = (url: string, token: string) => request<{ credentials: Array<Record<string, unknown>> }>(url, 'GET', '/auth/webauthn/credentials', { token });
