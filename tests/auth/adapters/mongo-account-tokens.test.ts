import { describe } from 'vitest';
import { connectMongoAccountTokenStore } from '../../../services/auth/adapters/account-tokens/mongo-account-tokens.js';
import { HAS_MONGO, openMongoReplicas } from '../../support/mongo.js';
import { runAccountTokenStoreContract } from '../contracts/account-token-store.contract.js';

describe.runIf(HAS_MONGO)('MongoAccountTokenStore', () => {
  runAccountTokenStoreContract('mongo (mongoose)', async () => {
    const replicas = await openMongoReplicas(connectMongoAccountTokenStore);
    return { ...replicas, rawContents: async () => JSON.stringify(await replicas.admin.collection('account_tokens').find().toArray()) };
  });
});
