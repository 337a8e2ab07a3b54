import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { appLogout, signInToApp } from '../../e2e/support/app-sign-in.js';
import { deleteRedisKeys, HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { pollUntil } from '../contracts/poll.js';
import { PASSWORD, post } from '../support/http-client.js';
import { backchannelAuthPerTest, newUser, registerApp } from './backchannel-harness.js';

const auth = backchannelAuthPerTest();
const redisPrefix = uniqueRedisPrefix('backchannel');
afterAll(async () => {
  if (HAS_REDIS) await deleteRedisKeys(redisPrefix);
});

const STORES: Array<{ name: string; env: () => Record<string, string>; runs: boolean }> = [
  { name: 'embedded (files under AUTH_DATA_DIR)', env: () => ({}), runs: true },
  { name: 'Redis', env: () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix }), runs: HAS_REDIS },
];

describe.each(STORES)('back-channel logout across an auth restart: $name', ({ env, runs }) => {
  it.runIf(runs)('when the app is down as the session ends and auth restarts before it is back, then the logout token is delivered by the restarted auth', async () => {
    let service = await auth(env());
    await registerApp(service, 'notes');
    const userId = await newUser(service, 'ines');
    const signIn = await signInToApp(service.url, 'notes', 'ines', PASSWORD);
    await service.receiver.down();
    expect((await appLogout(service.url, 'notes', signIn)).status).toBe(302);
    await pollUntil(() => service.sink.lines.some((line) => line.includes('back-channel logout delivery failed')), { what: 'a failed attempt' });

    service = await service.restart();
    await service.receiver.up();
    const [received] = await service.receiver.waitFor('notes');
    expect(received!.claims).toMatchObject({ sub: userId, sid: decodeJwt(signIn.tokens.id_token).sid, aud: 'notes' });
  });

  it.runIf(runs)('when auth restarts between the sign-in and the logout, then the app is still told (who got an ID token in which session is durable)', async () => {
    let service = await auth(env());
    await registerApp(service, 'notes');
    await newUser(service, 'omar');
    const signIn = await signInToApp(service.url, 'notes', 'omar', PASSWORD);

    service = await service.restart();
    expect((await post(service.url, '/auth/logout', {}, signIn.tokens.access_token)).status).toBe(204);
    const [received] = await service.receiver.waitFor('notes');
    expect(received!.claims.sid).toBe(decodeJwt(signIn.tokens.id_token).sid);
  });
});
