import * as z from 'zod';
import { GatekeyError } from '../errors.js';
import { describeIssues } from '../validation.js';
import type { GatewaySecrets } from './types.js';

// Loose objects: a field added to GatewaySecrets later must not make older entries unreadable.
const TokenSetSchema = z.looseObject({
  accessToken: z.string(),
  tokenType: z.string(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  expiresAt: z.number().optional(),
  refreshExpiresAt: z.number().optional(),
  scope: z.string().optional(),
  obtainedAt: z.number(),
});

const ClientRegistrationSchema = z.looseObject({
  issuer: z.string(),
  clientId: z.string(),
  clientSecret: z.string().optional(),
  tokenEndpointAuthMethod: z.string(),
  redirectUris: z.array(z.string()),
  registeredAt: z.number(),
});

export const GatewaySecretsSchema = z.looseObject({
  tokens: TokenSetSchema.optional(),
  clientSecret: z.string().optional(),
  privateKeyPem: z.string().optional(),
  idToken: z.string().optional(),
  clientSecretMethod: z.string().optional(),
  registration: ClientRegistrationSchema.optional(),
}) satisfies z.ZodType<GatewaySecrets>;

/**
 * Parses stored secrets. The error names where they came from (`source`) and the field at fault,
 * never the text itself: JSON.parse quotes its input, so its message is not used.
 */
export function decodeSecrets<T>(
  text: string,
  schema: z.ZodType<T>,
  source: string,
  hint: string,
): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GatekeyError('secrets_corrupt', `${source} is not valid JSON.`, hint);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  throw new GatekeyError(
    'secrets_corrupt',
    `${source} does not hold Gatekey secrets: ${describeIssues(result.error)}.`,
    hint,
  );
}
