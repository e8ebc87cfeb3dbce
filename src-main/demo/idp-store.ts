import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/** Models whose entries belong to a grant, so that revoking the grant removes them. */
const GRANT_BOUND_MODELS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken']);

/**
 * The demo IdP's whole state (sessions, grants, codes, tokens, registered clients) in memory,
 * owned by one IdP instance: it outlives the IdP's listener, so a stopped and restarted IdP still
 * knows every token it issued.
 */
export class IdpStore {
  readonly #models = new Map<string, Map<string, Entry>>();
  readonly #sessionIdsByUid = new Map<string, string>();
  readonly #grantMembers = new Map<string, { model: string; id: string }[]>();

  adapterFor(model: string): Adapter {
    return {
      upsert: async (id, payload, expiresIn) => this.#upsert(model, id, payload, expiresIn),
      find: async (id) => this.#find(model, id),
      findByUid: async (uid) => {
        const id = this.#sessionIdsByUid.get(uid);
        return id === undefined ? undefined : this.#find(model, id);
      },
      consume: async (id) => {
        const payload = this.#find(model, id);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#entries(model).delete(id);
      },
      revokeByGrantId: async (grantId) => this.#revokeGrant(grantId),
    };
  }

  /** Forgets every entry of one model, e.g. all refresh tokens. */
  clear(model: string): void {
    this.#entries(model).clear();
  }

  #upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number): void {
    // Dynamically registered clients come without a lifetime: they never expire.
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.#entries(model).set(id, { payload, expiresAt });
    if (model === 'Session' && payload.uid) this.#sessionIdsByUid.set(payload.uid, id);
    if (GRANT_BOUND_MODELS.has(model) && payload.grantId) {
      const members = this.#grantMembers.get(payload.grantId) ?? [];
      members.push({ model, id });
      this.#grantMembers.set(payload.grantId, members);
    }
  }

  #find(model: string, id: string): AdapterPayload | undefined {
    const entries = this.#entries(model);
    const entry = entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  #revokeGrant(grantId: string): void {
    for (const { model, id } of this.#grantMembers.get(grantId) ?? []) {
      this.#entries(model).delete(id);
    }
    this.#grantMembers.delete(grantId);
  }

  #entries(model: string): Map<string, Entry> {
    let entries = this.#models.get(model);
    if (!entries) {
      entries = new Map();
      this.#models.set(model, entries);
    }
    return entries;
  }
}
