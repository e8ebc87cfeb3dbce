import type { Gateway } from '../gateways/schema.js';
import { discover } from '../oauth/index.js';
import type { DiscoveryResult } from '../oauth/types.js';

const TTL_MS = 10 * 60_000;

/** Discovery results per gateway, so inspecting a token does not walk the well-known URLs each time. */
export class DiscoveryCache {
  private readonly entries = new Map<string, { at: number; result: Promise<DiscoveryResult> }>();

  get(gateway: Gateway, now = Date.now()): Promise<DiscoveryResult> {
    const cached = this.entries.get(gateway.name);
    if (cached && now - cached.at < TTL_MS) return cached.result;
    const result = discover(gateway);
    this.entries.set(gateway.name, { at: now, result });
    result.catch(() => this.entries.delete(gateway.name));
    return result;
  }

  forget(name: string): void {
    this.entries.delete(name);
  }
}
