import { describe } from 'vitest';
import { connectMongoPasskeyStore } from '../../../services/auth/adapters/passkeys/mongo-passkeys.js';
import { HAS_MONGO, openMongoReplicas } from '../../support/mongo.js';
import { runPasskeyStoreContract } from '../contracts/passkey-store.contract.js';

describe.runIf(HAS_MONGO)('MongoPasskeyStore', () => {
  runPasskeyStoreContract('mongo (mongoose)', () => openMongoReplicas(connectMongoPasskeyStore));
});
