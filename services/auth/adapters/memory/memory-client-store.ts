import { clientConfigOf } from '../../domain/clients/client-config.js';
import { authErrors } from '../../domain/errors.js';
import type { ClientConfig, ClientRecord, ClientStore, Clock, UpsertClientResult } from '../../domain/clients/client-store.js';

/**
 * Clients in a Map, for tests and single-process runs that need no persistence. Every method
 * runs synchronously up to its single await point, so the unique-id rule needs no lock.
 * Records are cloned in and out so callers can never reach the stored objects.
 */
export class MemoryClientStore implements ClientStore {
  readonly #clients = new Map<string, ClientRecord>();
  readonly #now: Clock;

  constructor(options: { now?: Clock } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async create(client: ClientConfig): Promise<ClientRecord> {
    if (this.#clients.has(client.clientId)) throw authErrors.clientExists();
    const now = this.#now();
    const record: ClientRecord = { ...clientConfigOf(client), createdAt: now, updatedAt: now, disabledAt: null };
    this.#clients.set(client.clientId, structuredClone(record));
    return structuredClone(record);
  }

  async upsert(client: ClientConfig): Promise<UpsertClientResult> {
    const existing = this.#clients.get(client.clientId);
    const now = this.#now();
    const record: ClientRecord = {
      ...clientConfigOf(client),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      disabledAt: existing?.disabledAt ?? null,
    };
    this.#clients.set(client.clientId, structuredClone(record));
    return { client: structuredClone(record), created: existing === undefined };
  }

  async findById(clientId: string): Promise<ClientRecord | null> {
    const record = this.#clients.get(clientId);
    return record ? structuredClone(record) : null;
  }

  async list(): Promise<ClientRecord[]> {
    return [...this.#clients.values()]
      .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
      .map((record) => structuredClone(record));
  }

  async disable(clientId: string): Promise<boolean> {
    const record = this.#clients.get(clientId);
    if (!record) return false;
    if (record.disabledAt === null) {
      const now = this.#now().getTime();
      record.disabledAt = new Date(now);
      record.updatedAt = new Date(now);
    }
    return true;
  }

  async delete(clientId: string): Promise<boolean> {
    return this.#clients.delete(clientId);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
