/**
 * The slice of oidc-provider 8 (which ships no types) that the demo IdP uses. Koa's context is
 * typed only as far as the demo reads and writes it.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    uid?: string;
    consumed?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    application_type?: 'web' | 'native';
    token_endpoint_auth_method?: string;
    token_endpoint_auth_signing_alg?: string;
    redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
    jwks?: { keys: Record<string, unknown>[] };
  }

  export interface Client {
    clientId: string;
    clientName?: string;
    clientAuthMethod: string;
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
  }

  export interface Account {
    accountId: string;
    claims(use: 'id_token' | 'userinfo', scope: string): Promise<Record<string, unknown>>;
  }

  /** An issued access token (authorization code / refresh flows) or client credentials token. */
  export interface IssuedAccessToken {
    kind: 'AccessToken' | 'ClientCredentials';
    clientId: string;
    accountId?: string;
  }

  export interface StructuredToken {
    header?: Record<string, unknown>;
    payload: Record<string, unknown>;
  }

  export interface Interaction {
    uid: string;
    prompt: {
      name: 'login' | 'consent';
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    params: Record<string, string | undefined>;
    session?: { accountId: string };
    grantId?: string;
  }

  export interface InteractionResult {
    login?: { accountId: string };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface KoaContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    type: string;
    body: unknown;
    req: IncomingMessage;
    res: ServerResponse;
    redirect(url: string): void;
    set(header: string, value: string): void;
    oidc?: {
      route?: string;
      issuer: string;
      params?: Record<string, unknown>;
      body?: Record<string, unknown>;
    };
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

  export type OidcContext = KoaContext & { oidc: NonNullable<KoaContext['oidc']> };

  export interface Configuration {
    adapter: (modelName: string) => Adapter;
    clients: ClientMetadata[];
    clientDefaults?: Partial<ClientMetadata>;
    jwks: { keys: Record<string, unknown>[] };
    cookies: {
      keys: string[];
      long: { sameSite: 'lax' | 'strict' | 'none'; httpOnly: boolean };
      short: { sameSite: 'lax' | 'strict' | 'none'; httpOnly: boolean };
    };
    claims: Record<string, string[] | null>;
    scopes: string[];
    extraParams?: string[];
    routes?: Record<string, string>;
    responseTypes: string[];
    pkce: { methods: string[]; required: (ctx: OidcContext, client: Client) => boolean };
    features: {
      devInteractions: { enabled: boolean };
      rpInitiatedLogout: { enabled: boolean };
      pushedAuthorizationRequests: { enabled: boolean };
      clientCredentials: { enabled: boolean };
      introspection: {
        enabled: boolean;
        allowedPolicy: (
          ctx: OidcContext,
          client: Client,
          token: IssuedAccessToken,
        ) => Promise<boolean>;
      };
      revocation: { enabled: boolean };
      registration: { enabled: boolean };
      resourceIndicators: {
        enabled: boolean;
        defaultResource: (
          ctx: OidcContext,
          client: Client,
          oneOf?: string[],
        ) => Promise<string | string[] | undefined>;
        useGrantedResource: () => Promise<boolean>;
        getResourceServerInfo: (
          ctx: OidcContext,
          resourceIndicator: string,
          client: Client,
        ) => Promise<ResourceServerInfo>;
      };
    };
    formats: {
      customizers: {
        jwt: (ctx: OidcContext, token: IssuedAccessToken, jwt: StructuredToken) => Promise<void>;
      };
    };
    findAccount: (ctx: OidcContext, sub: string) => Promise<Account | undefined>;
    issueRefreshToken: (
      ctx: OidcContext,
      client: Client,
      code: { scopes: Set<string> },
    ) => Promise<boolean>;
    rotateRefreshToken: boolean;
    interactions: { url: (ctx: OidcContext, interaction: { uid: string }) => Promise<string> };
    renderError: (
      ctx: KoaContext,
      out: { error: string; error_description?: string },
      error: Error,
    ) => Promise<void>;
    ttl: Record<string, number>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): Grant;
      find(grantId: string): Promise<Grant | undefined>;
    };
    readonly Client: { find(clientId: string): Promise<Client | undefined> };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: Middleware): void;
    on(event: 'server_error', listener: (ctx: KoaContext, error: Error) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
  }

  class OIDCProviderError extends Error {
    constructor(description?: string, detail?: string);
  }

  export const errors: {
    InvalidScope: new (description: string, scope: string) => OIDCProviderError;
    InvalidTarget: new (description?: string) => OIDCProviderError;
  };

  export default Provider;
}
