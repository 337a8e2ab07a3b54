import type { TokenType } from './access-token-issuer.js';

/** RFC 6749 §5.1 successful token response (RFC 9449 §5: `DPoP` for a bound token). */
export interface TokenResponse {
  access_token: string;
  token_type: TokenType;
  expires_in: number;
  scope: string;
  refresh_token?: string;
}
