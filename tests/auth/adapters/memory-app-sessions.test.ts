import { MemoryAppSessionStore } from '../../../services/auth/adapters/memory/memory-app-sessions.js';
import { runAppSessionStoreContract } from '../contracts/app-sessions.contract.js';

runAppSessionStoreContract('memory', async () => {
  const store = new MemoryAppSessionStore();
  // One process: the "other replica" is the same store.
  return { store, replica: store, cleanup: () => store.close() };
});
