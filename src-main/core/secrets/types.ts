/** What the token endpoint gave us, normalised. Lives only in the SecretStore and in memory. */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  idToken?: string;
  /** Epoch milliseconds; absent when the server did not say. */
  expiresAt?: number;
  /** When the refresh token expires (epoch ms), when the server said (`refresh_expires_in`). */
  refreshExpiresAt?: number;
  /** Space-separated granted scope, as the server returned it (or as requested when it did not). */
  scope?: string;
  obtainedAt: number;
}

/** The result of RFC 7591 dynamic registration, kept so we register once per issuer. */
export interface ClientRegistration {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod: string;
  redirectUris: string[];
  registeredAt: number;
}

/** Everything secret about one gateway: one keychain entry. */
export interface GatewaySecrets {
  tokens?: TokenSet;
  clientSecret?: string;
  /** PEM (PKCS#8) for private_key_jwt client authentication. */
  privateKeyPem?: string;
  /** Cross-app access: the user's ID token from the enterprise IdP, traded for an ID-JAG. */
  idToken?: string;
  /** How the IdP accepted `clientSecret` when the gateway does not pin a method: learned once. */
  clientSecretMethod?: string;
  registration?: ClientRegistration;
}

export interface SecretStore {
  readonly kind: 'keychain' | 'insecure-file' | 'memory';
  read(gateway: string): Promise<GatewaySecrets | undefined>;
  write(gateway: string, secrets: GatewaySecrets): Promise<void>;
  delete(gateway: string): Promise<void>;
}
