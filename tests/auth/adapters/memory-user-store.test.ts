import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { runUserStoreContract } from '../contracts/user-store.contract.js';

runUserStoreContract('memory', async () => {
  const store = new MemoryUserStore();
  return { store, cleanup: () => store.close() };
});
