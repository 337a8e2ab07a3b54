import type { AuthConfig } from './config.js';
import type { BrowserSessionOptions } from './http/sessions/browser-session.js';

/** Maps environment names to the browser-session endpoints' options (cookie attributes, CSRF origins). */
export function browserSessionFromConfig(config: AuthConfig): BrowserSessionOptions {
  return {
    secure: config.COOKIE_SECURE,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL,
    allowedOrigins: config.ALLOWED_ORIGINS,
  };
}
