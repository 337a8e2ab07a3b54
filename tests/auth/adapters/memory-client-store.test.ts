import { MemoryClientStore } from '../../../services/auth/adapters/memory/memory-client-store.js';
import { runClientStoreContract } from '../contracts/client-store.contract.js';

runClientStoreContract('memory', async (clock) => {
  const store = new MemoryClientStore({ now: clock });
  return { store, cleanup: () => store.close() };
});
