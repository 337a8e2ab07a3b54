import { MemoryOutbox } from '../../../services/auth/adapters/mail/memory-outbox.js';
import { runOutboxContract } from '../contracts/outbox.contract.js';

runOutboxContract('memory', async () => {
  const outbox = new MemoryOutbox();
  return { outbox, cleanup: () => outbox.close() };
});
