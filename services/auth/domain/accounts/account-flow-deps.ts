import type { AuthEvents } from '../auth-events.js';
import type { Mail } from '../mail/mail.js';
import type { AuthSettings } from '../settings.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import type { AttemptCounter, RefreshTokenStore } from '../tokens/token-store.js';
import type { PasswordHasher } from '../users/password-hasher.js';
import type { UserStore } from '../users/user-store.js';
import type { AccountMailThrottle } from './account-mail-throttle.js';
import type { AccountTokens } from './account-tokens.js';
import type { BackgroundWork } from './background-work.js';

/** Where a mail goes: the durable outbox; `enqueue` never waits for the mail server. */
export interface MailQueue {
  enqueue(mail: Mail): Promise<string>;
}

/** What the account flows (verification, reset, change) are built from. */
export interface AccountFlowDeps {
  settings: AuthSettings;
  users: UserStore;
  accountTokens: AccountTokens;
  mail: MailQueue;
  passwords: PasswordHasher;
  tokens: Pick<RefreshTokenStore, 'findSessions'> & AttemptCounter;
  /** The one session ender of the service. */
  endTokenSession: SessionEnder;
  throttle: AccountMailThrottle;
  background: BackgroundWork;
  events: AuthEvents;
}
