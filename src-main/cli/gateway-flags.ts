import { readFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { GatekeyError } from '../core/errors.js';
import type { GatewayInput } from '../core/gateways/schema.js';
import { readStdin } from './output.js';

/** The `add` / `edit` flags that mirror the gateway fields of DESIGN.md. */
export const gatewayFlagOptions = {
  url: { type: 'string' },
  auth: { type: 'string' },
  issuer: { type: 'string' },
  'discovery-url': { type: 'string' },
  'client-id': { type: 'string' },
  'token-endpoint-auth': { type: 'string' },
  'client-metadata-url': { type: 'string' },
  'no-client-metadata-url': { type: 'boolean' },
  'client-secret-stdin': { type: 'boolean' },
  'private-key-file': { type: 'string' },
  'idp-token-endpoint': { type: 'string' },
  'idp-client-id': { type: 'string' },
  'id-token-file': { type: 'string' },
  scope: { type: 'string' },
  resource: { type: 'string' },
  'no-resource': { type: 'boolean' },
  audience: { type: 'string' },
  'auth-param': { type: 'string', multiple: true },
  'redirect-uri': { type: 'string' },
  send: { type: 'string' },
  header: { type: 'string' },
  'extra-header': { type: 'string', multiple: true },
  'allow-http': { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type GatewayFlags = {
  [K in keyof typeof gatewayFlagOptions]?: (typeof gatewayFlagOptions)[K] extends { multiple: true }
    ? string[]
    : (typeof gatewayFlagOptions)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export const GATEWAY_FLAGS_HELP = `Gateway options:
  --url URL                     the remote MCP endpoint (Streamable HTTP or legacy SSE)
  --auth pkce|client_credentials|cross_app|none   how to get tokens (default pkce)
  --issuer URL                  the authorization server (else found from the gateway's 401)
  --discovery-url URL           an explicit .well-known document
  --client-id ID                a pre-registered client (else dynamic registration)
  --client-secret-stdin         read the client secret from stdin (stored in the keychain)
  --private-key-file FILE       PEM key for private_key_jwt (stored in the keychain)
  --client-metadata-url URL | --no-client-metadata-url   the HTTPS client ID (Client ID
                                Metadata Document) for servers that support it, or never use one
  --idp-token-endpoint URL      cross_app: the enterprise IdP's token endpoint (token exchange)
  --idp-client-id ID            cross_app: Gatekey's client ID at the enterprise IdP
  --id-token-file FILE          cross_app: the user's ID token from that IdP (stored in the keychain)
  --token-endpoint-auth METHOD  none|client_secret_basic|client_secret_post|private_key_jwt
  --scope "a b"                 scopes to ask for
  --resource URL | --no-resource   RFC 8707 resource (switch off for Entra)
  --audience AUD                Auth0 API audience
  --auth-param key=value        extra authorize parameter (repeatable)
  --redirect-uri URL            exact loopback callback (Cognito), default any free port
  --send access_token|id_token  which token to send (default access_token)
  --header "Name: Bearer {token}"   header template
  --extra-header "Name: value"  static header (repeatable)
  --allow-http                  allow plain-http gateway or IdP off loopback`;

export interface GatewayFlagResult {
  fields: Partial<GatewayInput>;
  clientSecret?: string;
  privateKeyPem?: string;
  idToken?: string;
}

export async function readGatewayFlags(flags: GatewayFlags): Promise<GatewayFlagResult> {
  const fields: Partial<GatewayInput> = {};
  const set = <K extends keyof GatewayInput>(key: K, value: GatewayInput[K] | undefined) => {
    if (value !== undefined) fields[key] = value;
  };
  set('url', flags.url);
  set('auth', flags.auth as GatewayInput['auth']);
  set('issuer', flags.issuer);
  set('discoveryUrl', flags['discovery-url']);
  set('clientId', flags['client-id']);
  set(
    'tokenEndpointAuthMethod',
    flags['token-endpoint-auth'] as GatewayInput['tokenEndpointAuthMethod'],
  );
  if (flags['client-metadata-url'] !== undefined && flags['no-client-metadata-url']) {
    throw new GatekeyError(
      'invalid_input',
      'Give either --client-metadata-url or --no-client-metadata-url, not both.',
    );
  }
  set('clientMetadataUrl', flags['no-client-metadata-url'] ? false : flags['client-metadata-url']);
  set('idpTokenEndpoint', flags['idp-token-endpoint']);
  set('idpClientId', flags['idp-client-id']);
  set('scopes', flags.scope?.split(/[\s,]+/).filter(Boolean));
  if (flags.resource !== undefined && flags['no-resource']) {
    throw new GatekeyError('invalid_input', 'Give either --resource or --no-resource, not both.');
  }
  set('resource', flags['no-resource'] ? false : flags.resource);
  set('audience', flags.audience);
  set('extraAuthParams', flags['auth-param'] && pairs(flags['auth-param'], '=', '--auth-param'));
  set('redirectUri', flags['redirect-uri']);
  set('tokenToSend', flags.send as GatewayInput['tokenToSend']);
  set('header', flags.header);
  set('extraHeaders', flags['extra-header'] && pairs(flags['extra-header'], ':', '--extra-header'));
  set('allowHttp', flags['allow-http']);
  return {
    fields,
    clientSecret: flags['client-secret-stdin'] ? await readSecretFromStdin() : undefined,
    privateKeyPem: flags['private-key-file']
      ? await readFile(flags['private-key-file'], 'utf8')
      : undefined,
    idToken: flags['id-token-file']
      ? (await readFile(flags['id-token-file'], 'utf8')).trim()
      : undefined,
  };
}

function pairs(values: string[], separator: string, flag: string): Record<string, string> {
  return Object.fromEntries(
    values.map((value) => {
      const at = value.indexOf(separator);
      if (at <= 0) {
        throw new GatekeyError(
          'invalid_input',
          `${flag} expects "name${separator}value", got "${value}".`,
        );
      }
      return [value.slice(0, at).trim(), value.slice(at + 1).trim()];
    }),
  );
}

async function readSecretFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Client secret (then Enter, Ctrl-D): ');
  const secret = await readStdin();
  if (!secret)
    throw new GatekeyError('invalid_input', '--client-secret-stdin read nothing from stdin.');
  return secret;
}
