import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { connectMongoOutbox } from '../../../services/auth/adapters/mail/mongo-outbox.js';
import type { Outbox } from '../../../services/auth/domain/mail/outbox.js';
import { HAS_MONGO, MONGODB_URI } from '../../support/mongo.js';
import { runOutboxContract } from '../contracts/outbox.contract.js';

describe.runIf(HAS_MONGO)('MongoOutbox', () => {
  runOutboxContract('mongo (mongoose)', async () => {
    // A database of its own per test, so parallel runs never see each other's mails.
    const dbName = `authgate_test_${randomBytes(4).toString('hex')}`;
    const uri = MONGODB_URI ?? '';
    let outbox: Outbox = await connectMongoOutbox(uri, { dbName });
    const replica = await connectMongoOutbox(uri, { dbName });
    return {
      outbox,
      replica,
      reopen: async () => {
        await outbox.close();
        outbox = await connectMongoOutbox(uri, { dbName });
        return outbox;
      },
      cleanup: async () => {
        await Promise.all([outbox.close(), replica.close()]);
        const admin = await mongoose.createConnection(uri, { dbName }).asPromise();
        await admin.dropDatabase();
        await admin.close();
      },
    };
  });
});
