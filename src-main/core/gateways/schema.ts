import * as z from 'zod';
import { isReservedHeaderName, isSendableHeaderValue } from '../proxy/header-text.js';

export const GATEWAY_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const DEFAULT_HEADER_TEMPLATE = 'Authorization: Bearer {token}';
export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:0/callback';
/**
 * Gatekey's Client ID Metadata Document (MCP 2025-11-25): the HTTPS URL that is its client ID
 * at authorization servers that fetch client metadata. A desktop app cannot serve it itself;
 * the project publishes resources/oauth-client-metadata.json there.
 */
export const DEFAULT_CLIENT_METADATA_URL = 'https://gatekey.dev/oauth/client-metadata.json';

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'expected an absolute http(s) URL, e.g. https://gateway.example.com/mcp',
  });

const httpsUrl = z
  .string()
  .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:', {
    message: 'expected an https URL, e.g. https://example.com/oauth/client-metadata.json',
  });

const HEADER_TEMPLATE_MESSAGE =
  'expected "Header-Name: value with {token}", e.g. "Authorization: Bearer {token}"';

/** `"Host" frames the request or belongs to one connection: …` for a name Gatekey sets itself. */
function reservedHeaderMessage(name: string): string {
  return `"${name}" frames the request or belongs to one connection, so only Gatekey sets it; remove it and use an end-to-end header`;
}

const headerTemplate = z
  .string()
  .regex(/^[A-Za-z0-9-]+:.*\{token\}.*$/, { message: HEADER_TEMPLATE_MESSAGE })
  .refine(isSendableHeaderValue, { message: HEADER_TEMPLATE_MESSAGE })
  .superRefine((template, context) => {
    const name = template.slice(0, template.indexOf(':'));
    if (isReservedHeaderName(name))
      context.addIssue({ code: 'custom', message: reservedHeaderMessage(name) });
  });

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, { message: 'expected a header name' })
  .superRefine((name, context) => {
    if (isReservedHeaderName(name))
      context.addIssue({ code: 'custom', message: reservedHeaderMessage(name) });
  });

const headerValue = z.string().refine(isSendableHeaderValue, {
  message: 'expected a header value without control characters or line breaks',
});

/** A gateway as the config file holds it. Never a token or a client secret. */
export const GatewaySchema = z
  .object({
    name: z.string().regex(GATEWAY_NAME_PATTERN, {
      message: 'expected a slug of lowercase letters, digits and dashes, e.g. "my-gateway"',
    }),
    url: httpUrl,
    auth: z.enum(['pkce', 'client_credentials', 'cross_app', 'none']).default('pkce'),
    issuer: httpUrl.optional(),
    discoveryUrl: httpUrl.optional(),
    clientId: z.string().min(1).optional(),
    tokenEndpointAuthMethod: z
      .enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .optional(),
    /** Cross-app access (SEP-990): the enterprise IdP's token endpoint and Gatekey's client there. */
    idpTokenEndpoint: httpUrl.optional(),
    idpClientId: z.string().min(1).optional(),
    /** Client ID Metadata Document URL used where the server supports it; `false`: never. */
    clientMetadataUrl: z.union([httpsUrl, z.literal(false)]).optional(),
    scopes: z.array(z.string().regex(/^\S+$/, { message: 'a scope has no spaces' })).optional(),
    /** RFC 8707 resource; `false` switches it off (Entra). Absent: the gateway URL. */
    resource: z.union([httpUrl, z.literal(false)]).optional(),
    audience: z.string().min(1).optional(),
    extraAuthParams: z.record(z.string(), z.string()).optional(),
    redirectUri: httpUrl.optional(),
    tokenToSend: z.enum(['access_token', 'id_token']).default('access_token'),
    header: headerTemplate.default(DEFAULT_HEADER_TEMPLATE),
    extraHeaders: z.record(headerName, headerValue).optional(),
    /** Allow plain-http upstream or IdP off loopback. */
    allowHttp: z.boolean().optional(),
  })
  .strict();

export type Gateway = z.output<typeof GatewaySchema>;
export type GatewayInput = z.input<typeof GatewaySchema>;

export const DEFAULT_PORT = 7421;

const browserOrigin = z
  .string()
  .refine((value) => URL.canParse(value) && new URL(value).origin === value, {
    message: 'expected an origin like "http://localhost:5173" (scheme, host, port; no path)',
  });

/** Instance-wide settings, stored next to the gateways. */
export const SettingsSchema = z
  .object({
    /** 0 picks a free port (tests). */
    port: z.number().int().min(0).max(65535).default(DEFAULT_PORT),
    /** Browser origins allowed to call the local proxy (IDEs send none). */
    allowedOrigins: z.array(browserOrigin).default([]),
  })
  .strict();

export type Settings = z.output<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;
