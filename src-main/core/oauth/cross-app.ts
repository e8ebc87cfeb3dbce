import {
  allowInsecureRequests,
  Configuration,
  customFetch,
  genericGrantRequest,
  None,
} from 'openid-client';
import { GatekeyError } from '../errors.js';
import type { TokenSet } from '../secrets/types.js';
import { callTokenEndpoint, clientForClientCredentials } from './client.js';
import type { ClientContext } from './client.js';
import { callIdp } from './idp-errors.js';
import { joinScopes, presentParameters, toTokenSet } from './tokens.js';
import { assertTransportAllowed, fetchForOpenidClient, usesPlainHttp } from './transport.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ID_JAG_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';

/**
 * Enterprise-managed authorization (cross-app access, SEP-990): the enterprise IdP trades the
 * user's ID token for an identity assertion grant (ID-JAG, RFC 8693 token exchange) aimed at
 * the gateway's authorization server, which trades it for an access token (RFC 7523 JWT bearer
 * grant, with Gatekey's own client authentication). No browser: the IdP has already signed in
 * the user.
 */
export async function crossAppAccess(context: ClientContext): Promise<TokenSet> {
  const { gateway, discovery, http } = context;
  const { idpTokenEndpoint, idpClientId } = gateway;
  if (!idpTokenEndpoint || !idpClientId) {
    throw new GatekeyError(
      'config_invalid',
      `Gateway ${gateway.name} uses cross-app access but does not name the enterprise IdP's token endpoint and client.`,
      `Set them: gatekey edit ${gateway.name} --idp-token-endpoint URL --idp-client-id ID`,
    );
  }
  const idToken = (await context.secrets.read(gateway.name))?.idToken;
  if (!idToken) {
    throw new GatekeyError(
      'config_invalid',
      `Gateway ${gateway.name} uses cross-app access, but no ID token from the enterprise IdP is stored.`,
      `Store the ID token your enterprise IdP issued: gatekey edit ${gateway.name} --id-token-file FILE`,
    );
  }
  assertTransportAllowed(idpTokenEndpoint, gateway, 'enterprise IdP');
  const scopes = discovery.result.scopes.filter((scope) => scope !== 'offline_access');
  const resource = discovery.result.resource;
  const enterpriseIdp = new Configuration(
    { issuer: new URL(idpTokenEndpoint).origin, token_endpoint: idpTokenEndpoint },
    idpClientId,
    undefined,
    None(),
  );
  enterpriseIdp[customFetch] = fetchForOpenidClient(http);
  if (usesPlainHttp([idpTokenEndpoint])) allowInsecureRequests(enterpriseIdp);
  const exchanged = await callIdp(
    {
      gatewayName: gateway.name,
      issuer: idpTokenEndpoint,
      step: 'token',
      resource,
      renewGrant: `The enterprise IdP no longer takes the stored ID token (expired or revoked). Store a fresh one: gatekey edit ${gateway.name} --id-token-file FILE`,
    },
    http.signal,
    () =>
      genericGrantRequest(
        enterpriseIdp,
        TOKEN_EXCHANGE,
        presentParameters({
          requested_token_type: ID_JAG_TYPE,
          audience: discovery.metadata.issuer,
          resource,
          scope: joinScopes(scopes),
          subject_token: idToken,
          subject_token_type: ID_TOKEN_TYPE,
        }),
      ),
  );
  const client = await clientForClientCredentials(context);
  const requestedAt = Date.now();
  const response = await callTokenEndpoint(context, client, 'token', (configuration) =>
    genericGrantRequest(
      configuration,
      JWT_BEARER,
      presentParameters({
        assertion: exchanged.access_token,
        scope: joinScopes(scopes),
        resource,
      }),
    ),
  );
  return toTokenSet(response, { requestedAt, requestedScopes: scopes });
}
