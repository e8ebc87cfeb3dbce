import type { GatewaySecrets, SecretStore } from './types.js';

/** Secrets that live only as long as the process: for the demo's throwaway tokens. */
export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, string>();

  async read(gateway: string): Promise<GatewaySecrets | undefined> {
    const entry = this.entries.get(gateway);
    return entry === undefined ? undefined : (JSON.parse(entry) as GatewaySecrets);
  }

  async write(gateway: string, secrets: GatewaySecrets): Promise<void> {
    this.entries.set(gateway, JSON.stringify(secrets));
  }

  async delete(gateway: string): Promise<void> {
    this.entries.delete(gateway);
  }
}
