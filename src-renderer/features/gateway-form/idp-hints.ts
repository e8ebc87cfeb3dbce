export type IdpKind = 'cognito' | 'entra' | 'auth0' | 'okta' | 'keycloak';

export interface IdpHint {
  idp: IdpKind;
  title: string;
  points: readonly string[];
}

const MATCHERS: readonly [IdpKind, (url: URL) => boolean][] = [
  [
    'cognito',
    ({ hostname }) =>
      hostname.startsWith('cognito-idp.') || hostname.endsWith('.amazoncognito.com'),
  ],
  [
    'entra',
    ({ hostname }) =>
      ['login.microsoftonline.com', 'login.microsoft.com', 'sts.windows.net'].includes(hostname),
  ],
  ['auth0', ({ hostname }) => hostname.endsWith('.auth0.com')],
  [
    'okta',
    ({ hostname }) => hostname.endsWith('.okta.com') || hostname.endsWith('.oktapreview.com'),
  ],
  ['keycloak', ({ pathname }) => pathname.includes('/realms/')],
];

/** The identity provider the first recognisable URL belongs to (issuer, discovered issuer, gateway). */
export function detectIdp(urls: readonly (string | undefined)[]): IdpKind | undefined {
  for (const text of urls) {
    if (!text || !URL.canParse(text)) continue;
    const url = new URL(text);
    const match = MATCHERS.find(([, matches]) => matches(url));
    if (match) return match[0];
  }
  return undefined;
}

export const IDP_HINTS: Readonly<Record<IdpKind, IdpHint>> = {
  cognito: {
    idp: 'cognito',
    title: 'Amazon Cognito',
    points: [
      'Cognito has no dynamic client registration: create an app client and enter its client ID (and its secret, if it has one).',
      'Cognito matches the redirect URI exactly: add one such as http://localhost:8080/callback to the app client’s callback URLs and enter the same URI here.',
      'Its access tokens carry no audience; gateways check client_id and token_use instead.',
    ],
  },
  entra: {
    idp: 'entra',
    title: 'Microsoft Entra ID',
    points: [
      'Switch on “Don’t send resource”: Entra rejects the RFC 8707 resource parameter.',
      'Ask for the API’s scopes as api://<app-id>/.default (or api://<app-id>/<scope>).',
      'Register http://localhost as a “Mobile and desktop” redirect URI of the app.',
    ],
  },
  auth0: {
    idp: 'auth0',
    title: 'Auth0',
    points: [
      'Set Audience to your API’s identifier; without it Auth0 issues an opaque token the gateway cannot verify.',
    ],
  },
  okta: {
    idp: 'okta',
    title: 'Okta',
    points: [
      'Use a custom authorization server (…/oauth2/default or your own) so that access tokens are JWTs with your scopes.',
    ],
  },
  keycloak: {
    idp: 'keycloak',
    title: 'Keycloak',
    points: [
      'Use a public client with PKCE, or a confidential client with its secret; add the redirect URI to “Valid redirect URIs”.',
    ],
  },
};
