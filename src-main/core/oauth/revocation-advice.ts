import { printable } from '../printable.js';

export interface RevocationPlace {
  /** The IdP, when discovery found it or the gateway names it. */
  issuer?: string;
  /** OpenID RP-Initiated Logout, when the IdP's metadata lists it. */
  endSessionEndpoint?: string;
  /** The client the tokens were issued to, so the person knows which entry to remove. */
  clientId?: string;
  gatewayUrl: string;
}

const KEYCLOAK_REALM = /^https?:\/\/[^/?#]+(?:\/[^?#]*)?\/realms\/[^/?#]+$/;

/**
 * Where a person ends Gatekey's access when the IdP did not revoke its tokens: as concrete as
 * the metadata allows (Keycloak's account console, the IdP's sign-out page), else in general.
 */
export function whereToRevoke({
  issuer,
  endSessionEndpoint,
  clientId,
  gatewayUrl,
}: RevocationPlace): string {
  const app = clientId ? `Gatekey (client ${printable(clientId)})` : 'Gatekey';
  const idp = issuer ? `the identity provider ${issuer}` : `the identity provider of ${gatewayUrl}`;
  if (issuer && KEYCLOAK_REALM.test(issuer)) {
    return `open Keycloak's account console ${issuer}/account, go to Applications and remove ${app}'s access.`;
  }
  const signOutPage = endSessionEndpoint
    ? ` Its sign-out page (${printable(endSessionEndpoint)}) ends your session there, though not always the tokens already issued.`
    : '';
  return `sign in to ${idp} and remove ${app} from your sessions, devices or connected apps; where it offers no such page, its administrator can revoke the tokens.${signOutPage}`;
}

export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
