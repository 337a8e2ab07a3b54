/**
 * Which upstream identities (issuer, subject) are linked to which local user. Adapters: memory,
 * embedded (NeDB under AUTH_DATA_DIR) and mongo, all held to
 * tests/auth/contracts/linked-identity-store.contract.ts.
 */
export interface LinkedIdentity {
  /** Opaque, stable: the `:id` of DELETE /auth/account/identities/:id. */
  id: string;
  userId: string;
  /** The provider's id in AUTH_IDENTITY_PROVIDERS_FILE when it was linked. */
  providerId: string;
  issuer: string;
  subject: string;
  /** The upstream's username or e-mail at link time, so a person can tell two links apart. */
  label?: string;
  linkedAt: Date;
}

export type NewLinkedIdentity = Omit<LinkedIdentity, 'id' | 'linkedAt'>;

export interface LinkedIdentityStore {
  /**
   * Links the identity and returns the record. (issuer, subject) is unique, enforced by the store
   * (unique index), so two concurrent first sign-ins give one link: the loser rejects with
   * `federationErrors.identityTaken()`.
   */
  link(identity: NewLinkedIdentity): Promise<LinkedIdentity>;
  find(issuer: string, subject: string): Promise<LinkedIdentity | null>;
  /** The user's links, oldest first; [] for an unknown user. */
  listForUser(userId: string): Promise<LinkedIdentity[]>;
  /** Removes one link of this user; false when the user has no link of that id. */
  unlink(userId: string, id: string): Promise<boolean>;
  /** Removes every link of the user (the account is being deleted); how many went. */
  unlinkAll(userId: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
