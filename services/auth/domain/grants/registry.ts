import type { Grant } from './grant.js';

/**
 * The grants /oauth/token runs, by `grant_type`: one entry per grant file in this folder. The
 * token endpoint looks the request's type up here, and discovery lists `types`, so a grant added
 * here is served and advertised at once, and nowhere else needs to change.
 */
export class GrantRegistry {
  readonly #grants: ReadonlyMap<string, Grant>;

  constructor(grants: ReadonlyArray<readonly [grantType: string, grant: Grant]>) {
    this.#grants = new Map(grants);
  }

  /** The grant for `grantType`; undefined when the token endpoint does not offer it. */
  find(grantType: string): Grant | undefined {
    return this.#grants.get(grantType);
  }

  /** `grant_types_supported` (RFC 8414 §2). */
  get types(): string[] {
    return [...this.#grants.keys()];
  }
}
