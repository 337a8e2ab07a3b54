import { MemoryFederationStateStore } from '../../../services/auth/adapters/memory/memory-federation-state.js';
import { runFederationStateStoreContract } from '../contracts/federation-state.contract.js';

runFederationStateStoreContract('memory', async () => {
  const store = new MemoryFederationStateStore();
  return { store, cleanup: () => store.close() };
});
