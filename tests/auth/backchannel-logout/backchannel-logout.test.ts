import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { appLogout, signInToApp } from '../../e2e/support/app-sign-in.js';
import { PASSWORD } from '../support/http-client.js';
import { backchannelAuthPerTest, newUser, registerApp } from './backchannel-harness.js';

const auth = backchannelAuthPerTest();
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

describe('back-channel logout (OIDC Back-Channel Logout 1.0, auth as the OP)', () => {
  it('when a user logs out of an app (RP-initiated), then the app gets a logout token that verifies against the JWKS, typed logout+jwt, with iss, aud, iat, exp, jti, events, sid and sub of its ID token, and no nonce', async () => {
    const service = await auth();
    await registerApp(service, 'notes');
    const userId = await newUser(service, 'ada');
    const signIn = await signInToApp(service.url, 'notes', 'ada', PASSWORD);
    const idToken = decodeJwt(signIn.tokens.id_token);

    const logout = await appLogout(service.url, 'notes', signIn);
    expect(logout.status).toBe(302);

    const [received] = await service.receiver.waitFor('notes');
    expect(received!.contentType).toBe('application/x-www-form-urlencoded');
    expect(received!.header).toMatchObject({ typ: 'logout+jwt', alg: 'RS256' });
    const claims = received!.claims;
    expect(claims).toMatchObject({ iss: service.config.AUTH_ISSUER, aud: 'notes', sub: userId, sid: idToken.sid, events: { [EVENT]: {} } });
    expect(Object.keys(claims.events!)).toEqual([EVENT]);
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBeGreaterThan(0);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(claims).not.toHaveProperty('nonce');
    expect(idToken).toHaveProperty('nonce');
    // The token went to the app only: never in a log line.
    expect(service.sink.lines.some((line) => line.includes(received!.token.split('.')[2]!))).toBe(false);
  });
});
