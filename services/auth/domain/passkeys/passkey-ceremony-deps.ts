import type { AuthEvents } from '../auth-events.js';
import type { UserStore } from '../users/user-store.js';
import type { PasskeyChallenges } from './passkey-challenges.js';
import type { PasskeyStore } from './passkey-store.js';
import type { RelyingParty } from './relying-party.js';

/** What both WebAuthn ceremonies (registration and assertion) work with. */
export interface PasskeyCeremonyDeps {
  rp: RelyingParty;
  users: UserStore;
  passkeys: PasskeyStore;
  challenges: PasskeyChallenges;
  events: AuthEvents;
  now: () => number;
}
