import { MemoryPasskeyStore } from '../../../services/auth/adapters/passkeys/memory-passkeys.js';
import { runPasskeyStoreContract } from '../contracts/passkey-store.contract.js';

runPasskeyStoreContract('memory', async () => {
  const store = new MemoryPasskeyStore();
  return { store, cleanup: () => store.close() };
});
