import type { ClientRecord } from '../clients/client-store.js';
import type { OAuthParams } from '../clients/presented-credentials.js';

/** What every grant of the token endpoint is handed, after client authentication and the DPoP proof check. */
export interface GrantRequest {
  client: ClientRecord;
  /** The token request's form parameters (RFC 6749 §4.1.3, §4.4.2, §6; RFC 8693 §2.1). */
  params: OAuthParams;
  /** The key a DPoP proof of the request proved (RFC 9449 §5): what the issued tokens are bound to. */
  jkt?: string | undefined;
}

/** One `grant_type`: checks what the client presented and issues the token response, or throws an OAuth error. */
export type Grant = (request: GrantRequest) => Promise<object> | object;
