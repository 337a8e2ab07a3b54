import { MemoryAccountTokenStore } from '../../../services/auth/adapters/account-tokens/memory-account-tokens.js';
import { runAccountTokenStoreContract } from '../contracts/account-token-store.contract.js';

runAccountTokenStoreContract('memory', async () => {
  const store = new MemoryAccountTokenStore();
  return { store, cleanup: () => store.close() };
});
