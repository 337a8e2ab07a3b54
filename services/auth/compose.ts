import { listen } from '../../lib/http/server.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { createMetrics, type Metrics } from '../../lib/metrics/registry.js';
import { NodeJoseKeySet } from './adapters/keys/node-jose-key-set.js';
import { jsonwebtokenAssertionSignature } from './adapters/tokens/jsonwebtoken-assertion-signature.js';
import { createJsonwebtokenSigner } from './adapters/tokens/jsonwebtoken-signer.js';
import { createOwnAccessTokens } from './adapters/tokens/own-access-tokens.js';
import { prometheusAuthEvents } from './adapters/metrics/prometheus-auth-events.js';
import { createAuditLogger, pinoAuditEvents } from './adapters/audit/pino-audit-events.js';
import { memoryRecentAuditEvents } from './adapters/audit/memory-recent-audit-events.js';
import { registerConsoleClient } from './domain/admin/console-client.js';
import { allAuthEvents } from './domain/auth-events.js';
import { revocationFeedOf } from './adapters/embedded/embedded-token-store.js';
import { Argon2PasswordHasher } from './adapters/passwords/argon2-password-hasher.js';
import { clientSecretKey } from './adapters/passwords/client-secret-key.js';
import { mfaEncryptionKeys } from './adapters/keys/mfa-encryption-keys.js';
import { HmacClientSecretHasher } from './adapters/passwords/hmac-client-secret-hasher.js';
import { browserSessionFromConfig } from './browser-session-from-config.js';
import type { AuthConfig } from './config.js';
import type { AppSessionStore } from './domain/app-flow/app-sessions.js';
import type { ClientSecretHasher } from './domain/clients/client-secret-hasher.js';
import type { ClientStore } from './domain/clients/client-store.js';
import type { KeyRotation, SigningKeySet } from './domain/tokens/signing-key-set.js';
import { applyClientsFile } from './apply-clients-file.js';
import type { PasswordHasher } from './domain/users/password-hasher.js';
import type { TokenStore } from './domain/tokens/token-store.js';
import type { UserStore } from './domain/users/user-store.js';
import { createApp } from './http/create-app.js';
import { createUseCases } from './domain/use-cases.js';
import { readRolesFile } from './adapters/roles-file/roles-file-reader.js';
import { openMail } from './open-mail.js';
import { openBackchannelLogout } from './open-backchannel-logout.js';
import type { DeliveryPolicy } from './domain/mail/delivery-policy.js';
import { settingsFromConfig } from './settings-from-config.js';
import { openAccountTokenStore, openAppSessionStore, openClientStore, openFederationStateStore, openLinkedIdentityStore, openPasskeyStore, openTokenStore, openTotpStore, openUserStore } from './stores.js';
import { readIdentityProvidersFile } from './adapters/federation/providers-file-reader.js';
import { openidClientUpstream } from './adapters/federation/openid-client-upstream.js';
import type { PasskeyStore } from './domain/passkeys/passkey-store.js';
import type { TotpStore } from './domain/mfa/totp-store.js';

/** Verifiers accept up to 30 s of skew; a retired key outlives its last token by twice that. */
const RETIRED_KEY_TOLERANCE_SECONDS = 60;

/** Parts a caller may supply instead of having them built from the config (tests, the launcher). */
export interface AuthServiceOverrides {
  logger?: Logger;
  /** The audit trail's logger (name `audit`); one on stdout by LOG_LEVEL otherwise (createAuditLogger). */
  auditLogger?: Logger;
  /** Taken over: closed when the service closes. */
  users?: UserStore;
  /** Taken over: closed when the service closes. */
  tokens?: TokenStore;
  /** Taken over: closed when the service closes. */
  clients?: ClientStore;
  /** Taken over: closed when the service closes. */
  appSessions?: AppSessionStore;
  /** Taken over: closed when the service closes. */
  passkeys?: PasskeyStore;
  totp?: TotpStore;
  passwords?: PasswordHasher;
  /** Instead of HMAC-SHA-256 under the configured key (the bench's argon2id baseline). */
  clientSecrets?: ClientSecretHasher;
  /** Where AUTH_CLIENTS_FILE's `${NAME}` secret references are read. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Epoch milliseconds. */
  now?: () => number;
  /** A registry of the caller's (e.g. to read counters in a test); a new one otherwise. */
  metrics?: Metrics;
  /** Milliseconds in-flight requests get to finish on close before their connections are cut. */
  shutdownGraceMs?: number;
  /** Instead of BACKCHANNEL_DELIVERY_POLICY (tests retry within seconds). */
  backchannelDelivery?: Partial<DeliveryPolicy>;
}

export interface RunningAuthService {
  /** Base URL with the bound port (AUTH_PORT=0 picks a free one). */
  url: string;
  port: number;
  keys: SigningKeySet & KeyRotation;
  /** Stops accepting, lets in-flight requests finish, then closes the stores. */
  close(): Promise<void>;
}

/**
 * Starts the auth service in this process: stores by configuration (Mongo or embedded users,
 * Redis or memory tokens and app sessions), the signing key set from AUTH_SIGNING_KEY_FILE, then HTTP on
 * HOST:AUTH_PORT. Used by main.ts, the stack launcher and component tests.
 */
export async function startAuthService(config: AuthConfig, overrides: AuthServiceOverrides = {}): Promise<RunningAuthService> {
  const logger = overrides.logger ?? createLogger({ name: 'auth', level: config.LOG_LEVEL });
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const users = overrides.users ? { store: overrides.users, kind: 'provided' } : await openUserStore(config);
    opened.push(users.store);
    const tokens = overrides.tokens ? { store: overrides.tokens, kind: 'provided' } : await openTokenStore(config, logger);
    opened.push(tokens.store);
    const clients = overrides.clients ? { store: overrides.clients, kind: 'provided' } : await openClientStore(config);
    opened.push(clients.store);
    const now = overrides.now ?? Date.now;
    const appSessions = overrides.appSessions ? { store: overrides.appSessions, kind: 'provided' } : await openAppSessionStore(config, logger, now);
    opened.push(appSessions.store);
    const accountTokens = await openAccountTokenStore(config, logger);
    opened.push(accountTokens.store);
    const passkeys = overrides.passkeys ? { store: overrides.passkeys, kind: 'provided' } : await openPasskeyStore(config);
    opened.push(passkeys.store);
    const totp = overrides.totp ? { store: overrides.totp, kind: 'provided' } : await openTotpStore(config);
    opened.push(totp.store);
    const metrics = overrides.metrics ?? createMetrics({ service: 'auth' });
    // One report per event, heard by the counters and the audit trail alike; the newest audit lines stay in memory too.
    const recentAuditEvents = memoryRecentAuditEvents(config.AUDIT_RECENT_EVENTS);
    const events = allAuthEvents(prometheusAuthEvents(metrics), pinoAuditEvents(overrides.auditLogger ?? createAuditLogger({ logLevel: config.LOG_LEVEL }), recentAuditEvents));
    // The outbox and its delivery worker; closed (worker stopped first) with the stores.
    const mail = await openMail(config, { logger, metrics });
    opened.push(mail);
    const keys = await NodeJoseKeySet.open({
      file: config.AUTH_SIGNING_KEY_FILE,
      now,
      publishDelayMs: config.KEY_PUBLISH_DELAY_SECONDS * 1000,
      // A replaced key verifies what it signed until the last such token expired, plus skew.
      retiredKeyRetentionMs: (config.ACCESS_TOKEN_TTL + RETIRED_KEY_TOLERANCE_SECONDS) * 1000,
      // Replicas sharing the file converge on one set: each re-reads it when its content changes.
      pollIntervalMs: config.KEY_FILE_POLL_SECONDS * 1000,
      log: logger,
      events,
    });
    // Stops the poll on close.
    opened.push(keys);
    const signer = createJsonwebtokenSigner(keys);
    // After the keys (it signs), before the use cases (the session ender queues into it); closed before the stores it reads.
    const backchannel = await openBackchannelLogout(config, { logger, metrics, signer, now, ...(overrides.backchannelDelivery ? { delivery: overrides.backchannelDelivery } : {}) });
    opened.push(backchannel);
    const passwords = overrides.passwords ?? new Argon2PasswordHasher();
    const clientSecrets = overrides.clientSecrets ?? new HmacClientSecretHasher(await clientSecretKey(config.AUTH_CLIENT_SECRET_KEY, config.AUTH_DATA_DIR), passwords);
    if (clients.kind === 'mongo' && config.AUTH_CLIENT_SECRET_KEY === undefined) {
      // Shared clients, a key of this process's own: another replica (or this one after its data
      // directory is lost) sees every client secret hashed here as wrong.
      logger.warn(
        { dataDir: config.AUTH_DATA_DIR },
        'AUTH_CLIENT_SECRET_KEY is not set: client secrets are hashed with a key kept in AUTH_DATA_DIR; every auth replica sharing MONGODB_URI needs the same AUTH_CLIENT_SECRET_KEY',
      );
    }
    if (config.AUTH_CLIENTS_FILE) {
      // Before listening: a bad file stops the start (a ConfigError naming AUTH_CLIENTS_FILE).
      const applied = await applyClientsFile(config.AUTH_CLIENTS_FILE, {
        clients: clients.store,
        users: users.store,
        firstPartyClientId: config.FIRST_PARTY_CLIENT_ID,
        hashSecret: (secret) => clientSecrets.hash(secret),
        env: overrides.env ?? process.env,
        events,
      });
      logger.info({ file: config.AUTH_CLIENTS_FILE, created: applied.created, updated: applied.updated }, 'clients file applied');
    }
    // The console's own public client, converging on the current AUTH_PUBLIC_URL at every start.
    await registerConsoleClient(clients.store, config.AUTH_PUBLIC_URL);
    if (users.kind === 'mongo' && config.AUTH_MFA_ENCRYPTION_KEY === undefined) {
      logger.warn(
        { dataDir: config.AUTH_DATA_DIR },
        'AUTH_MFA_ENCRYPTION_KEY is not set: TOTP secrets are encrypted with a key kept in AUTH_DATA_DIR; every auth replica sharing MONGODB_URI needs the same AUTH_MFA_ENCRYPTION_KEY',
      );
    }
    const mfaKeys = await mfaEncryptionKeys(config.AUTH_MFA_ENCRYPTION_KEY, config.AUTH_DATA_DIR);
    const feed = config.REVOCATION_FEED_TOKEN ? revocationFeedOf(tokens.store) : undefined;
    const settings = settingsFromConfig(config);
    // Before listening: a bad roles file stops the start (a ConfigError naming AUTH_ROLES_FILE).
    const roleScopes = config.AUTH_ROLES_FILE ? await readRolesFile(config.AUTH_ROLES_FILE) : undefined;
    // Before listening: a bad providers file stops the start (a ConfigError naming every problem).
    const federation = config.AUTH_IDENTITY_PROVIDERS_FILE ? await openFederation(config, overrides.env ?? process.env, logger, now, opened) : undefined;
    const useCases = createUseCases({
      settings,
      ...(roleScopes ? { roleScopes } : {}),
      users: users.store,
      tokens: tokens.store,
      clients: clients.store,
      appSessions: appSessions.store,
      keys,
      signer,
      accessTokens: createOwnAccessTokens({ keys, denylist: tokens.store, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, now }),
      assertionSignatures: jsonwebtokenAssertionSignature,
      passwords,
      clientSecrets,
      mfaKeys,
      totpStore: totp.store,
      revocationFeed: feed,
      accountTokens: accountTokens.store,
      passkeys: passkeys.store,
      mail: mail.outbox,
      // The error's code and message only: the work handles tokens, which never reach a log line.
      onBackgroundError: (err) => logger.error({ code: (err as { code?: unknown }).code, err: { message: err instanceof Error ? err.message : String(err) } }, 'account mail work failed'),
      backchannelLogout: { sessions: backchannel.sessions, outbox: backchannel.outbox },
      now,
      events,
      ...(federation ? { federation } : {}),
    });
    const app = createApp({
      logger,
      useCases,
      settings,
      keys,
      trustedProxies: config.TRUSTED_PROXIES.trust,
      browserSession: browserSessionFromConfig(config),
      ...(config.AUTH_ADMIN_TOKEN
        ? { admin: { token: config.AUTH_ADMIN_TOKEN, keyRotation: keys, publishDelaySeconds: config.KEY_PUBLISH_DELAY_SECONDS } }
        : {}),
      ...(feed && config.REVOCATION_FEED_TOKEN ? { revocationFeedToken: config.REVOCATION_FEED_TOKEN } : {}),
      recentAuditEvents,
      console: { keys, publishDelaySeconds: config.KEY_PUBLISH_DELAY_SECONDS },
      metrics,
      readiness: [
        ...(federation ? [{ name: 'linked-identity-store', check: () => federation.links.ping() }, { name: 'federation-state-store', check: () => federation.state.ping() }] : []),
        { name: 'user-store', check: () => users.store.ping() },
        { name: 'token-store', check: () => tokens.store.ping() },
        { name: 'client-store', check: () => clients.store.ping() },
        { name: 'app-session-store', check: () => appSessions.store.ping() },
        { name: 'account-token-store', check: () => accountTokens.store.ping() },
        { name: 'passkey-store', check: () => passkeys.store.ping() },
        { name: 'totp-store', check: () => totp.store.ping() },
        mail.readiness,
        backchannel.readiness,
      ],
    });
    const server = await listen(app, { port: config.AUTH_PORT, host: config.HOST });
    mail.worker.start();
    backchannel.worker.start();
    logger.info(
      {
        url: server.url,
        issuer: config.AUTH_ISSUER,
        userStore: users.kind,
        tokenStore: tokens.kind,
        clientStore: clients.kind,
        appSessionStore: appSessions.kind,
        accountTokenStore: accountTokens.kind,
        passkeyStore: passkeys.kind,
        webauthnRpId: config.webauthn.rpId,
        totpStore: totp.kind,
        mail: `${mail.kind.outbox} outbox, ${mail.kind.transport} transport`,
        backchannelLogout: backchannel.kind,
        adminApi: config.AUTH_ADMIN_TOKEN ? 'on' : 'off',
        revocationFeed: feed ? 'on' : 'off',
        kid: keys.currentSigningKey().kid,
      },
      'auth service listening',
    );
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      keys,
      // Held feed requests are answered first, so they do not hold the shutdown for the grace period.
      close: () =>
        (closing ??= (feed?.stopWaiting(),
        closeInOrder(async () => {
          await server.close(overrides.shutdownGraceMs);
          // Reset requests answered already may still be queueing their mail: it needs the stores.
          await useCases.accounts.idle();
        }, opened))),
    };
  } catch (err) {
    // The start-up failure is the news; a store that also fails to close must not replace it.
    await closeAll(opened).catch(() => undefined);
    throw err;
  }
}

/** The providers file, one openid-client adapter per provider, and the two federation stores (closed with the others). */
async function openFederation(config: AuthConfig, env: Record<string, string | undefined>, logger: Logger, now: () => number, opened: Array<{ close(): Promise<void> }>) {
  const definitions = await readIdentityProvidersFile(config.AUTH_IDENTITY_PROVIDERS_FILE!, env);
  const links = await openLinkedIdentityStore(config);
  opened.push(links.store);
  const state = await openFederationStateStore(config, logger, now);
  opened.push(state.store);
  const providers = definitions.map((definition) => ({ upstream: openidClientUpstream(definition, { timeoutSeconds: config.AUTH_IDENTITY_PROVIDER_TIMEOUT_SECONDS }), claims: definition.claims }));
  logger.info({ file: config.AUTH_IDENTITY_PROVIDERS_FILE, providers: definitions.map((d) => d.id), linkedIdentityStore: links.kind, federationStateStore: state.kind }, 'identity providers file read');
  return { providers, links: links.store, state: state.store, allowedOrigins: config.ALLOWED_ORIGINS };
}

async function closeInOrder(closeServer: () => Promise<void>, stores: Array<{ close(): Promise<void> }>): Promise<void> {
  // Requests still running may need the stores, so the server goes first.
  await closeServer();
  await closeAll(stores);
}

async function closeAll(stores: Array<{ close(): Promise<void> }>): Promise<void> {
  const results = await Promise.allSettled(stores.map((store) => store.close()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
