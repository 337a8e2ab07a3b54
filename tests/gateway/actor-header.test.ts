import { describe, expect, it } from 'vitest';
import { useGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

let f: GatewayFixture;
useGatewayFixture((fixture) => (f = fixture));

const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];

describe('X-Auth-Actor: who acts for the subject of an exchanged token', () => {
  it('when the token was exchanged twice, then upstream gets the act.sub chain, innermost last, and X-Auth-Subject stays the user', async () => {
    const token = f.issuer.sign({ claims: { sub: 'user-7', client_id: 'second-hop', act: { sub: 'second-hop', act: { sub: 'reports' } } } });
    const res = await send(f.gateway.url, { path: '/api/notes', headers: [...bearer(token), ['X-Auth-Actor', 'admin']] });
    expect(res.status).toBe(200);
    expect(f.upstream.received[0]?.headers).toMatchObject({ 'x-auth-subject': 'user-7', 'x-auth-client-id': 'second-hop', 'x-auth-actor': 'second-hop,reports' });
  });

  it('when the token is not delegated, then a spoofed X-Auth-Actor is removed and none is set', async () => {
    const res = await send(f.gateway.url, { path: '/api/notes', headers: [...bearer(f.issuer.sign({ claims: { sub: 'user-8' } })), ['X-Auth-Actor', 'admin']] });
    expect(res.status).toBe(200);
    expect(f.upstream.received[0]?.headers['x-auth-actor']).toBeUndefined();
  });

  it.each([
    ['act that is a string', 'reports'],
    ['act without sub', { client: 'reports' }],
    ['act nested without sub', { sub: 'a', act: { x: 1 } }],
  ])('when the token carries %s, then it is refused as malformed claims', async (_label, act) => {
    const res = await send(f.gateway.url, { path: '/api/notes', headers: bearer(f.issuer.sign({ claims: { act } })) });
    expect(res.status).toBe(401);
    expect(f.upstream.received).toHaveLength(0);
  });
});
