import { MemoryLinkedIdentityStore } from '../../../services/auth/adapters/memory/memory-linked-identities.js';
import { runLinkedIdentityStoreContract } from '../contracts/linked-identity-store.contract.js';

runLinkedIdentityStoreContract('memory', async () => {
  const store = new MemoryLinkedIdentityStore();
  return { store, cleanup: () => store.close() };
});
