import type { ClientRecord, ClientStore } from './client-store.js';
import { clientConfigOf } from './client-config.js';
import type { ClientSecretHasher } from './client-secret-hasher.js';
import type { ClientAssertionVerifier } from './client-assertion.js';
import { oauthErrors } from '../oauth/oauth-errors.js';
import type { PresentedCredentials } from './presented-credentials.js';

export interface ClientAuthenticatorDeps {
  clients: ClientStore;
  /** Keyed fast hash of client secrets; also reads (and upgrades) argon2id hashes stored before it. */
  secrets: ClientSecretHasher;
  verifyAssertion: ClientAssertionVerifier;
  /** Whose keys to verify an assertion with: its unverified `sub` (= `iss`), or null. */
  assertionClientId: (assertion: string) => string | null;
  /**
   * Clients that exist without being stored: the first-party public client whose id the user API
   * puts in its tokens, so its refresh tokens can be rotated at /oauth/token without registering it.
   * A stored client with the same id wins; the admin API and the clients file refuse that id
   * (admin/client-id-reservation.ts), so only a client stored before that check could.
   */
  builtInClients?: readonly ClientRecord[];
}

/** Who called, once proven, and how: `public` clients proved nothing but their id. */
export interface AuthenticatedClient {
  client: ClientRecord;
  method: PresentedCredentials['method'];
}

/**
 * Checks presented credentials against the client store. Every failure is the same 401
 * invalid_client. A secret for an unknown client, or for a client without a secret, is still run
 * through one verification (against a dummy hash) so an unknown id answers like a wrong secret.
 * A disabled client is refused on its very next request: nothing is cached. A secret that matched
 * an argon2id hash from before the keyed hash has its hash replaced, once, by the fast one.
 */
export function createClientAuthenticator({ clients, secrets, verifyAssertion, assertionClientId, builtInClients = [] }: ClientAuthenticatorDeps) {
  async function find(clientId: string): Promise<ClientRecord | null> {
    return (await clients.findById(clientId)) ?? builtInClients.find((client) => client.clientId === clientId) ?? null;
  }

  /**
   * Stores the upgraded hash. Best effort: the request already succeeded, and a failed write only
   * means the next use verifies argon2id again and retries. Written only if the record still holds
   * the hash that matched, so a secret rotated meanwhile is never overwritten with the old one.
   */
  async function migrate(client: ClientRecord, rehash: string): Promise<void> {
    try {
      const current = await clients.findById(client.clientId);
      if (current === null || current.secretHash !== client.secretHash) return;
      await clients.upsert({ ...clientConfigOf(current), secretHash: rehash });
    } catch {
      // Retried on the next successful use.
    }
  }

  return async function authenticateClient(presented: PresentedCredentials): Promise<AuthenticatedClient> {
    const fail = (code: string) => oauthErrors.invalidClient(code, presented.basicUsed);
    switch (presented.method) {
      case 'client_secret_basic':
      case 'client_secret_post': {
        const client = await find(presented.clientId);
        const usable = client !== null && client.secretHash !== undefined && client.tokenEndpointAuthMethods.includes(presented.method);
        if (!usable) {
          await secrets.verifyAgainstDummy(presented.secret);
          throw fail(client === null ? 'CLIENT_UNKNOWN' : 'CLIENT_METHOD_NOT_ALLOWED');
        }
        // An argon2id hash from before takes a place in the password-hashing queue: this client's share only.
        const { matches, rehash } = await secrets.verify(client.secretHash!, presented.secret, [`client:${client.clientId}`]);
        if (!matches) throw fail('CLIENT_SECRET_WRONG');
        if (client.disabledAt !== null) throw fail('CLIENT_DISABLED');
        if (rehash !== undefined) await migrate(client, rehash);
        return { client, method: presented.method };
      }
      case 'private_key_jwt': {
        const claimed = assertionClientId(presented.assertion);
        if (claimed === null) throw fail('CLIENT_ASSERTION_MALFORMED');
        if (presented.clientId !== undefined && presented.clientId !== claimed) {
          throw oauthErrors.invalidRequest('client_id does not match the client_assertion subject', 'CLIENT_ID_MISMATCH');
        }
        const client = await find(claimed);
        if (client === null) throw fail('CLIENT_UNKNOWN');
        await verifyAssertion(presented.assertion, client);
        if (client.disabledAt !== null) throw fail('CLIENT_DISABLED');
        return { client, method: presented.method };
      }
      case 'none': {
        const client = await find(presented.clientId);
        if (client === null) throw fail('CLIENT_UNKNOWN');
        if (!client.tokenEndpointAuthMethods.includes('none')) throw fail('CLIENT_CREDENTIALS_REQUIRED');
        if (client.disabledAt !== null) throw fail('CLIENT_DISABLED');
        return { client, method: 'none' };
      }
    }
  };
}

export type ClientAuthenticator = ReturnType<typeof createClientAuthenticator>;
