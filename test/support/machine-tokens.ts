import { decodeProtectedHeader, generateKeyPair, SignJWT, decodeJwt } from 'jose';

export interface MachineClient {
  clientId: string;
  clientSecret?: string;
}

/**
 * A client-credentials access token straight from an IdP's token endpoint (found through its
 * OpenID metadata), as a person would paste it from a curl command: no Gatekey involved.
 */
export async function clientCredentialsToken(
  issuer: string,
  client: MachineClient,
  params: Record<string, string>,
  auth: 'client_secret_basic' | 'client_secret_post' = 'client_secret_basic',
): Promise<string> {
  const base = issuer.endsWith('/') ? issuer : `${issuer}/`;
  const metadata = (await (
    await fetch(new URL('.well-known/openid-configuration', base))
  ).json()) as { token_endpoint: string };
  const secret = client.clientSecret ?? '';
  const basic = `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}`;
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth === 'client_secret_basic' ? { authorization: basic } : {}),
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      ...(auth === 'client_secret_post'
        ? { client_id: client.clientId, client_secret: secret }
        : {}),
      ...params,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token)
    throw new Error(`token endpoint answered ${response.status} ${body.error}`);
  return body.access_token;
}

/** The same claims and header, signed by a key that is not the issuer's. */
export async function forgeWithOtherKey(token: string, kid?: string): Promise<string> {
  const header = decodeProtectedHeader(token);
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(decodeJwt(token))
    .setProtectedHeader({ alg: 'RS256', kid: kid ?? header.kid })
    .sign(privateKey);
}
