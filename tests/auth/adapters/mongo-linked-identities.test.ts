import { describe } from 'vitest';
import { connectMongoLinkedIdentityStore } from '../../../services/auth/adapters/mongo/mongo-linked-identities.js';
import { HAS_MONGO, openMongoReplicas } from '../../support/mongo.js';
import { runLinkedIdentityStoreContract } from '../contracts/linked-identity-store.contract.js';

describe.runIf(HAS_MONGO)('MongoLinkedIdentityStore', () => {
  runLinkedIdentityStoreContract('mongo (mongoose)', () => openMongoReplicas(connectMongoLinkedIdentityStore));
});
