import * as z from 'zod';
import { readTextIfExists, runtimeFile, writePrivateFile } from '../paths.js';
import { decodeSecrets, GatewaySecretsSchema } from './codec.js';
import type { GatewaySecrets, SecretStore } from './types.js';

export const INSECURE_SECRETS_FILE_NAME = 'secrets.insecure.json';

const SecretsFileSchema = z.record(z.string(), GatewaySecretsSchema);
type SecretsFile = Record<string, GatewaySecrets>;

/**
 * Secrets in a plain JSON file (mode 0600), for machines without a usable keychain. Only behind
 * an explicit opt-in, like `gh --insecure-storage`; constructing it warns once.
 */
export class InsecureFileSecretStore implements SecretStore {
  readonly kind = 'insecure-file';
  readonly file: string;

  constructor(home: string, onWarning: (message: string) => void) {
    this.file = runtimeFile(home, INSECURE_SECRETS_FILE_NAME);
    onWarning(
      `Warning: Gatekey keeps tokens and client secrets unencrypted in ${this.file} (--insecure-file-store); anyone who can read that file can use them.`,
    );
  }

  async read(gateway: string): Promise<GatewaySecrets | undefined> {
    return this.#load()[gateway];
  }

  async write(gateway: string, secrets: GatewaySecrets): Promise<void> {
    this.#save({ ...this.#load(), [gateway]: secrets });
  }

  async delete(gateway: string): Promise<void> {
    const { [gateway]: removed, ...rest } = this.#load();
    if (removed) this.#save(rest);
  }

  #load(): SecretsFile {
    const text = readTextIfExists(this.file);
    if (text === undefined) return {};
    return decodeSecrets(
      text,
      SecretsFileSchema,
      `The secrets file ${this.file}`,
      `Fix the file by hand, or delete it and sign in to your gateways again.`,
    );
  }

  #save(secrets: SecretsFile): void {
    writePrivateFile(this.file, `${JSON.stringify(secrets, null, 2)}\n`);
  }
}
