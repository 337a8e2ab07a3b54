/** RFC 9068 §2.1 media type in the JOSE `typ` header of every access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The payload of an access token this service issues (contract + RFC 9068 §2.2). */
export interface AccessTokenClaims {
  iss: string;
  /** User id, or the client id for client-only grants. */
  sub: string;
  aud: string | string[];
  /** Epoch seconds. */
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  /** Space-separated. */
  scope: string;
  roles?: string[];
  username?: string;
}
