import {
  DEFAULT_HEADER_TEMPLATE,
  GatewaySchema,
  type Gateway,
} from '../../../src-main/core/gateways/schema.js';
import type { GatewayDraft } from '../../../src-main/core/api/routes.js';
import type { ApiError } from '../../api/types.js';

export type AuthKind = Gateway['auth'];
export type TokenToSend = Gateway['tokenToSend'];

/** The form as a person edits it: text, plus the two choices and the resource switch. */
export interface FormValues {
  name: string;
  url: string;
  auth: AuthKind;
  issuer: string;
  clientId: string;
  /** Sent beside the gateway, to the keychain; empty means "keep what is stored". */
  clientSecret: string;
  /** Cross-app access: the enterprise IdP's token endpoint and Gatekey's client ID there. */
  idpTokenEndpoint: string;
  idpClientId: string;
  /** Cross-app access: the enterprise ID token, to the keychain; empty keeps what is stored. */
  idToken: string;
  /** Space- or comma-separated. */
  scopes: string;
  resource: string;
  /** Entra rejects RFC 8707 `resource`; off sends `resource: false`. */
  omitResource: boolean;
  audience: string;
  redirectUri: string;
  tokenToSend: TokenToSend;
  header: string;
  /** One `Name: value` per line. */
  extraHeaders: string;
}

export type FormField = Exclude<keyof FormValues, 'omitResource'>;
export type FieldErrors = Partial<Record<FormField, string>>;

export const EMPTY_FORM: FormValues = {
  name: '',
  url: '',
  auth: 'pkce',
  issuer: '',
  clientId: '',
  clientSecret: '',
  idpTokenEndpoint: '',
  idpClientId: '',
  idToken: '',
  scopes: '',
  resource: '',
  omitResource: false,
  audience: '',
  redirectUri: '',
  tokenToSend: 'access_token',
  header: '',
  extraHeaders: '',
};

export function formFromGateway(gateway: Gateway): FormValues {
  return {
    ...EMPTY_FORM,
    name: gateway.name,
    url: gateway.url,
    auth: gateway.auth,
    issuer: gateway.issuer ?? '',
    clientId: gateway.clientId ?? '',
    idpTokenEndpoint: gateway.idpTokenEndpoint ?? '',
    idpClientId: gateway.idpClientId ?? '',
    scopes: (gateway.scopes ?? []).join(' '),
    resource: typeof gateway.resource === 'string' ? gateway.resource : '',
    omitResource: gateway.resource === false,
    audience: gateway.audience ?? '',
    redirectUri: gateway.redirectUri ?? '',
    tokenToSend: gateway.tokenToSend,
    header: gateway.header === DEFAULT_HEADER_TEMPLATE ? '' : gateway.header,
    extraHeaders: Object.entries(gateway.extraHeaders ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  };
}

/** The form filled in from a link; what the link leaves out keeps its default. */
export function formFromDraft(draft: GatewayDraft): FormValues {
  return {
    ...EMPTY_FORM,
    name: draft.name ?? suggestName(draft.url),
    url: draft.url,
    auth: draft.auth ?? EMPTY_FORM.auth,
    issuer: draft.issuer ?? '',
    clientId: draft.clientId ?? '',
    scopes: (draft.scopes ?? []).join(' '),
    audience: draft.audience ?? '',
  };
}

const HEADER_LINE = /^([^:]+):\s*(.*)$/;

function parseExtraHeaders(text: string): { headers?: Record<string, string>; error?: string } {
  const headers: Record<string, string> = {};
  const lines = text.split('\n').map((line) => line.trim());
  for (const [index, line] of lines.entries()) {
    if (!line) continue;
    const match = HEADER_LINE.exec(line);
    if (!match?.[1]) return { error: `line ${index + 1}: expected "Name: value", got "${line}"` };
    headers[match[1].trim()] = match[2] ?? '';
  }
  return Object.keys(headers).length > 0 ? { headers } : {};
}

const optional = (text: string) => text.trim() || undefined;

function resourceOf(values: FormValues): string | false | undefined {
  return values.omitResource ? false : optional(values.resource);
}

/**
 * The gateway the form describes, with empty fields left out so that defaults apply, and the
 * fields the chosen way of signing in hides left out too.
 */
export function gatewayFromForm(values: FormValues): Record<string, unknown> {
  const candidate = gatewayCandidate(values);
  return Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined));
}

/** For an edit: every field the form shows, an emptied one as null (back to its default). */
export function gatewayPatchFromForm(values: FormValues): Record<string, unknown> {
  const { name: _name, ...fields } = gatewayCandidate(values);
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value ?? null]));
}

function gatewayCandidate(values: FormValues): Record<string, unknown> {
  const scopes = values.scopes.split(/[\s,]+/).filter(Boolean);
  const signsIn = values.auth !== 'none';
  const crossApp = values.auth === 'cross_app';
  return {
    name: values.name.trim(),
    url: values.url.trim(),
    auth: values.auth,
    issuer: signsIn ? optional(values.issuer) : undefined,
    clientId: signsIn ? optional(values.clientId) : undefined,
    idpTokenEndpoint: crossApp ? optional(values.idpTokenEndpoint) : undefined,
    idpClientId: crossApp ? optional(values.idpClientId) : undefined,
    scopes: signsIn && scopes.length > 0 ? scopes : undefined,
    resource: resourceOf(values),
    audience: optional(values.audience),
    redirectUri: values.auth === 'pkce' ? optional(values.redirectUri) : undefined,
    tokenToSend: values.tokenToSend,
    header: optional(values.header),
    extraHeaders: parseExtraHeaders(values.extraHeaders).headers,
  };
}

const isFormField = (key: unknown): key is FormField =>
  typeof key === 'string' && key in EMPTY_FORM && key !== 'omitResource';

type SchemaIssue = NonNullable<
  ReturnType<typeof GatewaySchema.safeParse>['error']
>['issues'][number];

/** A bad record key (an extra header's name) says why in its nested issue. */
const issueMessage = (issue: SchemaIssue): string =>
  issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;

/** The schema's own rules (the core's zod schema), plus what only the form knows. */
export function validateForm(values: FormValues, hasStoredSecret: boolean): FieldErrors {
  const errors: FieldErrors = {};
  const parsed = GatewaySchema.safeParse(gatewayFromForm(values));
  for (const issue of parsed.error?.issues ?? []) {
    const field = issue.path[0];
    if (isFormField(field)) errors[field] ??= issueMessage(issue);
  }
  const extraHeadersError = parseExtraHeaders(values.extraHeaders).error;
  if (extraHeadersError) errors.extraHeaders = extraHeadersError;
  if (values.auth === 'client_credentials' || values.auth === 'cross_app') {
    const needs =
      values.auth === 'cross_app' ? 'cross-app access needs' : 'client credentials need';
    if (!values.clientId.trim())
      errors.clientId ??= `${needs} the client ID registered at the authorization server`;
    if (!values.clientSecret && !hasStoredSecret)
      errors.clientSecret = `${needs} the client secret`;
  }
  if (values.auth === 'cross_app') {
    if (!values.idpTokenEndpoint.trim())
      errors.idpTokenEndpoint ??= "cross-app access needs the enterprise IdP's token endpoint";
    if (!values.idpClientId.trim())
      errors.idpClientId ??= "cross-app access needs Gatekey's client ID at the enterprise IdP";
  }
  return errors;
}

const SKIPPED_HOST_LABELS = new Set(['www', 'mcp', 'api', 'gateway']);

/** A slug for the name field from the URL's host: "https://mcp.acme.io/mcp" → "acme". */
export function suggestName(url: string): string {
  if (!URL.canParse(url)) return '';
  const { hostname, port } = new URL(url);
  if (/^[\d.]+$|^\[|^localhost$/.test(hostname)) return port ? `local-${port}` : 'local';
  const labels = hostname.split('.').filter((label) => !SKIPPED_HOST_LABELS.has(label));
  const meaningful = labels.length > 1 ? labels.slice(0, -1) : labels;
  return meaningful
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/** The form field a server error names (`url`, `extraHeaders.X-Bad`, `scopes[0]`), if any. */
export function fieldOfError(error: ApiError): FormField | undefined {
  if (error.code === 'gateway_exists') return 'name';
  const field = error.field?.split(/[.[]/, 1)[0];
  return isFormField(field) ? field : undefined;
}
