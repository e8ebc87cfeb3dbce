import { createPrivateKey, type KeyObject } from 'node:crypto';
import { importPKCS8 } from 'jose/key/import';
import {
  allowInsecureRequests,
  ClientSecretPost,
  Configuration,
  customFetch,
  None,
  PrivateKeyJwt,
  refreshTokenGrant,
  type ClientAuth,
  type ClientMetadata,
  type CryptoKey,
} from 'openid-client';
import { GatekeyError, isGatekeyError } from '../errors.js';
import {
  DEFAULT_CLIENT_METADATA_URL,
  DEFAULT_REDIRECT_URI,
  type Gateway,
} from '../gateways/schema.js';
import type { ClientRegistration, GatewaySecrets, SecretStore } from '../secrets/types.js';
import type { Discovery } from './discovery.js';
import { callIdp, type IdpContext, type IdpStep } from './idp-errors.js';
import { stringArray } from './json.js';
import { manualClientHint } from './redirect-advice.js';
import { postRegistration, type RegisteredClient } from './registration.js';
import { fetchForOpenidClient, type HttpContext } from './transport.js';

type AuthMethod = NonNullable<Gateway['tokenEndpointAuthMethod']>;

const AUTH_METHODS: readonly string[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
] satisfies AuthMethod[];

/** Everything the client side of a request needs. */
export interface ClientContext {
  gateway: Gateway;
  secrets: SecretStore;
  discovery: Discovery;
  http: HttpContext;
}

export interface OAuthClient {
  clientId: string;
  method: AuthMethod;
  auth: ClientAuth;
  /**
   * `configured`: the gateway's clientId; `metadata-document`: a Client ID Metadata Document
   * URL; the others come from RFC 7591 registration.
   */
  source: 'configured' | 'metadata-document' | 'stored-registration' | 'new-registration';
}

export function idpContext({ gateway, discovery }: ClientContext, step: IdpStep): IdpContext {
  return {
    gatewayName: gateway.name,
    issuer: discovery.metadata.issuer,
    step,
    resource: discovery.result.resource,
  };
}

/** An openid-client Configuration for one request sequence, bound to the caller's signal. */
export function openidConfiguration(context: ClientContext, client: OAuthClient): Configuration {
  const { discovery, http } = context;
  const metadata: Partial<ClientMetadata> = { token_endpoint_auth_method: client.method };
  const configuration = new Configuration(
    discovery.metadata,
    client.clientId,
    metadata,
    client.auth,
  );
  configuration[customFetch] = fetchForOpenidClient(http);
  if (discovery.plainHttp) allowInsecureRequests(configuration);
  return configuration;
}

/** The client for a browser sign-in: configured, else registered (reusing a stored registration). */
export async function clientForSignIn(
  context: ClientContext,
  redirectUri: string,
): Promise<OAuthClient> {
  const configured = (await configuredClient(context)) ?? metadataDocumentClient(context);
  if (configured) return configured;
  if (!context.discovery.metadata.registration_endpoint) {
    throw await needsConfiguredClient(context);
  }
  const stored = await storedRegistrationClient(context, redirectUri);
  if (stored && (await isKnownToIdp(context, stored))) return stored;
  return registerClient(context, redirectUri);
}

/** The client for client credentials: only a configured one can hold a secret or key. */
export async function clientForClientCredentials(context: ClientContext): Promise<OAuthClient> {
  const configured = await configuredClient(context);
  if (configured) return configured;
  const { name } = context.gateway;
  throw new GatekeyError(
    'config_invalid',
    `Gateway ${name} uses client credentials but has no client ID.`,
    `Set the app client registered at the IdP: gatekey edit ${name} --client-id ID --client-secret-stdin (or --private-key-file key.pem)`,
  );
}

/** The client that obtained the refresh token: configured, or the stored registration. */
export async function clientForRefresh(context: ClientContext): Promise<OAuthClient> {
  const client =
    (await configuredClient(context)) ??
    (await storedRegistrationClient(context)) ??
    metadataDocumentClient(context);
  if (client) return client;
  const { name } = context.gateway;
  throw new GatekeyError(
    'invalid_grant',
    `Gateway ${name} has no client registration for ${context.discovery.metadata.issuer}, so its refresh token cannot be used.`,
    `Sign in again: gatekey login ${name}`,
  );
}

/** Forgets a registration the IdP no longer knows; the next sign-in registers anew. */
export async function dropRegistration({ gateway, secrets }: ClientContext): Promise<void> {
  const stored = await secrets.read(gateway.name);
  if (!stored?.registration) return;
  const { registration: _forgotten, ...rest } = stored;
  await secrets.write(gateway.name, rest);
}

async function configuredClient(context: ClientContext): Promise<OAuthClient | undefined> {
  const { gateway, secrets } = context;
  if (!gateway.clientId) return undefined;
  const stored = (await secrets.read(gateway.name)) ?? {};
  const method = gateway.tokenEndpointAuthMethod ?? defaultAuthMethod(stored, context);
  return {
    clientId: gateway.clientId,
    method,
    auth: await clientAuthentication(method, stored, gateway.name),
    source: 'configured',
  };
}

/**
 * MCP 2025-11-25: where the authorization server fetches client metadata itself, Gatekey's
 * client ID is the URL of its metadata document, and no registration is needed.
 */
function metadataDocumentClient({ gateway, discovery }: ClientContext): OAuthClient | undefined {
  if (discovery.metadata.client_id_metadata_document_supported !== true) return undefined;
  if (gateway.clientMetadataUrl === false) return undefined;
  return {
    clientId: gateway.clientMetadataUrl ?? DEFAULT_CLIENT_METADATA_URL,
    method: 'none',
    auth: None(),
    source: 'metadata-document',
  };
}

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/** RFC 6749 makes Basic the default; a server that lists its methods gets its own order. */
function secretMethods({ discovery }: ClientContext): SecretMethod[] {
  const all: SecretMethod[] = ['client_secret_basic', 'client_secret_post'];
  const listed = stringArray(discovery.metadata.token_endpoint_auth_methods_supported);
  const supported = listed?.filter((method): method is SecretMethod =>
    all.includes(method as SecretMethod),
  );
  return supported?.length ? supported : all;
}

function defaultAuthMethod(stored: GatewaySecrets, context: ClientContext): AuthMethod {
  if (stored.privateKeyPem) return 'private_key_jwt';
  if (!stored.clientSecret) return 'none';
  const methods = secretMethods(context);
  return methods.find((method) => method === stored.clientSecretMethod) ?? methods[0] ?? 'none';
}

/**
 * Runs a call to the token endpoint. When the IdP refuses a client secret sent one way and
 * lists another, and the gateway does not pin the method, Gatekey tries the other way once and
 * remembers the one that worked next to the secret.
 */
export async function callTokenEndpoint<T>(
  context: ClientContext,
  client: OAuthClient,
  step: IdpStep,
  call: (configuration: Configuration) => Promise<T>,
): Promise<T> {
  const attempt = (using: OAuthClient) =>
    callIdp(idpContext(context, step), context.http.signal, () =>
      call(openidConfiguration(context, using)),
    );
  try {
    return await attempt(client);
  } catch (error) {
    const next = await otherSecretMethod(context, client);
    if (!next || !isGatekeyError(error, 'invalid_client')) throw error;
    const result = await attempt(next).catch((second: unknown) => {
      throw isGatekeyError(second, 'invalid_client')
        ? new GatekeyError(
            'invalid_client',
            `${second.message} Gatekey sent the secret with ${client.method}, then with ${next.method}.`,
            second.hint,
            { cause: second },
          )
        : second;
    });
    await rememberSecretMethod(context, next);
    return result;
  }
}

async function otherSecretMethod(
  context: ClientContext,
  client: OAuthClient,
): Promise<OAuthClient | undefined> {
  const pinned = client.source === 'configured' && context.gateway.tokenEndpointAuthMethod;
  if (pinned || !isSecretMethod(client.method)) return undefined;
  const method = secretMethods(context).find((candidate) => candidate !== client.method);
  const clientSecret = (await secretsOfClient(context, client))?.clientSecret;
  if (!method || !clientSecret) return undefined;
  const auth = await clientAuthentication(method, { clientSecret }, context.gateway.name);
  return { ...client, method, auth };
}

function isSecretMethod(method: AuthMethod): method is SecretMethod {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

async function secretsOfClient(
  { gateway, secrets }: ClientContext,
  client: OAuthClient,
): Promise<{ clientSecret?: string } | undefined> {
  const stored = await secrets.read(gateway.name);
  return client.source === 'configured' ? stored : stored?.registration;
}

async function rememberSecretMethod({ gateway, secrets }: ClientContext, client: OAuthClient) {
  const stored = (await secrets.read(gateway.name)) ?? {};
  if (client.source === 'configured') {
    await secrets.write(gateway.name, { ...stored, clientSecretMethod: client.method });
  } else if (stored.registration) {
    const registration = { ...stored.registration, tokenEndpointAuthMethod: client.method };
    await secrets.write(gateway.name, { ...stored, registration });
  }
}

async function clientAuthentication(
  method: AuthMethod,
  { clientSecret, privateKeyPem }: GatewaySecrets,
  gatewayName: string,
): Promise<ClientAuth> {
  switch (method) {
    case 'none':
      return None();
    case 'client_secret_basic':
      return clientSecretBasic(requireSecret(clientSecret, method, gatewayName));
    case 'client_secret_post':
      return ClientSecretPost(requireSecret(clientSecret, method, gatewayName));
    case 'private_key_jwt':
      return PrivateKeyJwt(await importPrivateKey(privateKeyPem, gatewayName));
  }
}

/**
 * RFC 6749 §2.3.1 asks for the form encoding of id and secret inside the Basic header, which
 * encodes even `-` and `.`; many servers compare the raw id (the MCP SDK and mcp-remote send it
 * raw). Encoding only what is not URI-unreserved works with both kinds, and still protects `:`.
 */
function clientSecretBasic(secret: string): ClientAuth {
  return (_server, client, _body, headers) => {
    const credentials = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
  };
}

function requireSecret(
  secret: string | undefined,
  method: AuthMethod,
  gatewayName: string,
): string {
  if (secret) return secret;
  throw new GatekeyError(
    'config_invalid',
    `Gateway ${gatewayName} authenticates its client with ${method}, but no client secret is stored.`,
    `Store it in the keychain: gatekey edit ${gatewayName} --client-secret-stdin < secret.txt`,
  );
}

async function importPrivateKey(pem: string | undefined, gatewayName: string): Promise<CryptoKey> {
  const hint = `Store a PEM private key (PKCS#8, PKCS#1 or SEC1): gatekey edit ${gatewayName} --private-key-file key.pem`;
  if (!pem) {
    throw new GatekeyError(
      'config_invalid',
      `Gateway ${gatewayName} authenticates its client with private_key_jwt, but no private key is stored.`,
      hint,
    );
  }
  try {
    const key = createPrivateKey(pem);
    const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    return await importPKCS8(pkcs8, signingAlgorithm(key));
  } catch (error) {
    throw new GatekeyError(
      'config_invalid',
      `The private key stored for gateway ${gatewayName} cannot sign client assertions: ${error instanceof Error ? error.message : String(error)}.`,
      hint,
      { cause: error },
    );
  }
}

const CURVE_ALGORITHMS: Record<string, string> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

function signingAlgorithm(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const algorithm = CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (algorithm) return algorithm;
    }
  }
  throw new Error(
    `expected an RSA, EC (P-256, P-384, P-521) or Ed25519 key, got ${key.asymmetricKeyType ?? 'another'} key`,
  );
}

async function needsConfiguredClient({ gateway, discovery }: ClientContext): Promise<GatekeyError> {
  return new GatekeyError(
    'config_invalid',
    `The identity provider ${discovery.metadata.issuer} offers no dynamic client registration, and gateway ${gateway.name} has no client ID.`,
    await manualClientHint(
      gateway,
      'This IdP (Cognito and Entra are like this) needs an app client registered by hand: create a public client with PKCE',
    ),
  );
}

async function storedRegistrationClient(
  context: ClientContext,
  redirectUri?: string,
): Promise<OAuthClient | undefined> {
  const registration = (await context.secrets.read(context.gateway.name))?.registration;
  if (!registration || registration.issuer !== context.discovery.metadata.issuer) return undefined;
  if (
    redirectUri &&
    !registration.redirectUris.some((uri) => sameRedirect(uri, redirectUri, context.gateway))
  ) {
    return undefined;
  }
  return clientFromRegistration(registration, context.gateway.name, 'stored-registration');
}

/**
 * With the default redirect (port 0): the exact redirect URI of the stored registration a
 * sign-in would reuse, to listen on that same port.
 */
export async function registeredRedirectUri(context: ClientContext): Promise<string | undefined> {
  const { gateway } = context;
  const configured = gateway.redirectUri ?? DEFAULT_REDIRECT_URI;
  if (gateway.clientId || new URL(configured).port !== '0') return undefined;
  const registration = (await context.secrets.read(gateway.name))?.registration;
  if (registration?.issuer !== context.discovery.metadata.issuer) return undefined;
  return registration.redirectUris.find(
    (uri) =>
      URL.canParse(uri) && new URL(uri).port !== '' && sameRedirect(uri, configured, gateway),
  );
}

/**
 * With the default redirect (port 0) every sign-in listens on another port; RFC 8252 §7.3 has
 * the IdP accept any port for a loopback redirect, so the port does not count then.
 */
function sameRedirect(registered: string, current: string, gateway: Gateway): boolean {
  const anyPort = new URL(gateway.redirectUri ?? DEFAULT_REDIRECT_URI).port === '0';
  const withoutPort = (uri: string) => {
    const url = new URL(uri);
    if (anyPort) url.port = '';
    return url.href;
  };
  return withoutPort(registered) === withoutPort(current);
}

async function clientFromRegistration(
  registration: ClientRegistration,
  gatewayName: string,
  source: OAuthClient['source'],
): Promise<OAuthClient> {
  const method = registration.tokenEndpointAuthMethod;
  if (!isAuthMethod(method) || method === 'private_key_jwt') {
    throw new GatekeyError(
      'invalid_client',
      `The identity provider registered Gatekey with token endpoint authentication ${method}, which Gatekey cannot use for a registered client.`,
      `Register an app client by hand and set it: gatekey edit ${gatewayName} --client-id ID`,
    );
  }
  return {
    clientId: registration.clientId,
    method,
    auth: await clientAuthentication(
      method,
      { clientSecret: registration.clientSecret },
      gatewayName,
    ),
    source,
  };
}

function isAuthMethod(method: string): method is AuthMethod {
  return AUTH_METHODS.includes(method);
}

/**
 * Asks the token endpoint to redeem a refresh token that cannot exist: a known client gets
 * `invalid_grant`, a forgotten one `invalid_client`. This finds a stale registration before the
 * browser opens, where the IdP would show an error page and never call back.
 */
async function isKnownToIdp(context: ClientContext, client: OAuthClient): Promise<boolean> {
  const configuration = openidConfiguration(context, client);
  try {
    await callIdp(idpContext(context, 'token'), context.http.signal, () =>
      refreshTokenGrant(configuration, 'gatekey-registration-check'),
    );
    return true;
  } catch (error) {
    if (isGatekeyError(error, 'invalid_client')) return false;
    if (isGatekeyError(error, 'invalid_grant') || isGatekeyError(error, 'idp_error')) return true;
    throw error;
  }
}

/** RFC 7591 registration of Gatekey as a native app with a loopback redirect; stored for reuse. */
async function registerClient(context: ClientContext, redirectUri: string): Promise<OAuthClient> {
  const { gateway, secrets, discovery, http } = context;
  const issuer = discovery.metadata.issuer;
  const requested = registrationAuthMethod(context);
  const registered = await postRegistration(http, {
    endpoint: String(discovery.metadata.registration_endpoint),
    metadata: {
      client_name: 'Gatekey',
      application_type: 'native',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: requested,
    },
    manualHint: await manualClientHint(gateway, 'Register an app client by hand (public, PKCE)'),
  });
  const registration: ClientRegistration = {
    issuer,
    clientId: registered.clientId,
    clientSecret: registered.clientSecret,
    tokenEndpointAuthMethod: registeredAuthMethod(registered, requested),
    redirectUris: registered.redirectUris ?? [redirectUri],
    registeredAt: Date.now(),
  };
  await secrets.write(gateway.name, { ...(await secrets.read(gateway.name)), registration });
  return clientFromRegistration(registration, gateway.name, 'new-registration');
}

/**
 * A public client (`none`, PKCE) when the server offers it or says nothing; otherwise one that
 * holds a secret, sent the way the server lists first. Some servers register anyone as a
 * public client but then refuse to redeem its codes, because they never listed `none`.
 */
function registrationAuthMethod({ discovery }: ClientContext): 'none' | SecretMethod {
  const listed = stringArray(discovery.metadata.token_endpoint_auth_methods_supported);
  if (!listed?.length || listed.includes('none')) return 'none';
  return (
    listed.find((method): method is SecretMethod => isSecretMethod(method as AuthMethod)) ?? 'none'
  );
}

/** RFC 7591 §3.2.1: the server may change what was asked; what it answered is what holds. */
function registeredAuthMethod(registered: RegisteredClient, requested: 'none' | SecretMethod) {
  if (registered.tokenEndpointAuthMethod) return registered.tokenEndpointAuthMethod;
  if (!registered.clientSecret) return 'none';
  return requested === 'none' ? 'client_secret_basic' : requested;
}
