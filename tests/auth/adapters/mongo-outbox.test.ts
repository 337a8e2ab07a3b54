import { describe } from 'vitest';
import { connectMongoOutbox } from '../../../services/auth/adapters/mail/mongo-outbox.js';
import { HAS_MONGO, openMongoReplicas } from '../../support/mongo.js';
import { runOutboxContract } from '../contracts/outbox.contract.js';

describe.runIf(HAS_MONGO)('MongoOutbox', () => {
  runOutboxContract('mongo (mongoose)', async () => {
    const { store, ...replicas } = await openMongoReplicas(connectMongoOutbox);
    return { outbox: store, ...replicas };
  });
});
