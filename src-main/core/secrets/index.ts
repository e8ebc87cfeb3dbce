import { InsecureFileSecretStore } from './file-store.js';
import { KeychainSecretStore } from './keychain.js';
import type { SecretStore } from './types.js';

export * from './types.js';
export { GatewaySecretsSchema } from './codec.js';
export { InsecureFileSecretStore, INSECURE_SECRETS_FILE_NAME } from './file-store.js';
export { KeychainSecretStore, KEYCHAIN_SERVICE, profileId } from './keychain.js';

export interface OpenSecretStoreOptions {
  home: string;
  /** Keep secrets in an unencrypted file instead of the OS keychain (explicit opt-in only). */
  insecureFileStore?: boolean;
  /** Receives the one-line warning the insecure file store gives. Default: stderr. */
  onWarning?: (message: string) => void;
}

/**
 * The OS keychain, or the insecure file store when asked for. The keychain is reached lazily:
 * the first read or write throws `keychain_unavailable` with the reason and the fix.
 */
export function openSecretStore({
  home,
  insecureFileStore = false,
  onWarning = (message) => console.warn(message),
}: OpenSecretStoreOptions): SecretStore {
  return insecureFileStore
    ? new InsecureFileSecretStore(home, onWarning)
    : new KeychainSecretStore(home);
}
