/** The little of oidc-provider (no bundled types) the federation tests use. */
declare module 'oidc-provider' {
  import type { RequestListener } from 'node:http';

  interface OidcGrant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  interface OidcContext {
    oidc: {
      session?: { accountId?: string };
      client?: { clientId: string };
      provider: { Grant: new (init: { clientId: string; accountId: string }) => OidcGrant };
    };
  }

  interface OidcAccount {
    accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: {
      clients: Array<Record<string, unknown>>;
      jwks: { keys: unknown[] };
      features: Record<string, unknown>;
      claims: Record<string, string[]>;
      scopes: string[];
      pkce?: { required: () => boolean };
      loadExistingGrant?: (ctx: OidcContext) => Promise<OidcGrant | undefined>;
      findAccount: (ctx: OidcContext, sub: string) => OidcAccount | undefined | Promise<OidcAccount | undefined>;
      fetch?: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => Promise<Response>;
    });
    callback(): RequestListener;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
