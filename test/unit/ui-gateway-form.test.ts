import { describe, expect, it } from 'vitest';
import { GatewaySchema } from '../../src-main/core/gateways/schema.js';
import {
  EMPTY_FORM,
  fieldOfError,
  formFromDraft,
  formFromGateway,
  gatewayFromForm,
  suggestName,
  validateForm,
  type FormValues,
} from '../../src-renderer/features/gateway-form/form-model.js';
import { detectIdp } from '../../src-renderer/features/gateway-form/idp-hints.js';

const form = (values: Partial<FormValues>): FormValues => ({
  ...EMPTY_FORM,
  name: 'acme',
  url: 'https://mcp.acme.io/mcp',
  ...values,
});

describe('the gateway form', () => {
  it('leaves empty fields out so that the schema’s defaults apply', () => {
    expect(gatewayFromForm(form({}))).toEqual({
      name: 'acme',
      url: 'https://mcp.acme.io/mcp',
      auth: 'pkce',
      tokenToSend: 'access_token',
    });
  });

  it('turns text into the gateway’s fields', () => {
    const gateway = gatewayFromForm(
      form({
        scopes: ' openid, mcp:tools\noffline_access ',
        omitResource: true,
        resource: 'https://ignored.example.com',
        extraHeaders: 'X-User-Pool-Id: eu-west-1_Ab\n\nX-Tenant:acme',
        header: 'X-Authorization: Bearer {token}',
      }),
    );
    expect(gateway.scopes).toEqual(['openid', 'mcp:tools', 'offline_access']);
    expect(gateway.resource).toBe(false);
    expect(gateway.extraHeaders).toEqual({ 'X-User-Pool-Id': 'eu-west-1_Ab', 'X-Tenant': 'acme' });
    expect(GatewaySchema.safeParse(gateway).success).toBe(true);
  });

  it('leaves out what the chosen way of signing in hides', () => {
    const filled = {
      issuer: 'https://idp.example.com',
      clientId: 'app',
      scopes: 'a',
      redirectUri: 'bad',
    };
    expect(gatewayFromForm(form({ ...filled, auth: 'none' }))).toEqual(
      gatewayFromForm(form({ auth: 'none' })),
    );
    const machine = gatewayFromForm(form({ ...filled, auth: 'client_credentials' }));
    expect(machine).toMatchObject({
      issuer: 'https://idp.example.com',
      clientId: 'app',
      scopes: ['a'],
    });
    expect(machine.redirectUri).toBeUndefined();
    expect(
      validateForm(form({ ...filled, auth: 'client_credentials', clientSecret: 's' }), false),
    ).toEqual({});
  });

  it('round-trips a stored gateway through the form', () => {
    const stored = GatewaySchema.parse({
      name: 'entra',
      url: 'https://gw.example.com/mcp',
      auth: 'client_credentials',
      clientId: 'app',
      scopes: ['api://app/.default'],
      resource: false,
      header: 'X-Authorization: Bearer {token}',
      extraHeaders: { 'X-Tenant': 'acme' },
    });
    expect(GatewaySchema.parse(gatewayFromForm(formFromGateway(stored)))).toEqual(stored);
    expect(
      formFromGateway(GatewaySchema.parse({ name: 'a', url: 'https://a.example/mcp' })).header,
    ).toBe('');
  });

  it('fills in what a link said, and suggests a name when it gave none', () => {
    const values = formFromDraft({
      url: 'https://mcp.acme.io/mcp',
      name: 'acme-prod',
      auth: 'client_credentials',
      issuer: 'https://login.acme.io',
      clientId: 'app',
      scopes: ['openid', 'mcp:tools'],
      audience: 'api://acme',
    });
    expect(gatewayFromForm(values)).toEqual({
      name: 'acme-prod',
      url: 'https://mcp.acme.io/mcp',
      auth: 'client_credentials',
      issuer: 'https://login.acme.io',
      clientId: 'app',
      scopes: ['openid', 'mcp:tools'],
      audience: 'api://acme',
      tokenToSend: 'access_token',
    });
    expect(values.clientSecret).toBe('');
    expect(formFromDraft({ url: 'https://mcp.acme.io/mcp' })).toEqual({
      ...EMPTY_FORM,
      name: 'acme',
      url: 'https://mcp.acme.io/mcp',
    });
  });

  it('reports the schema’s own rule under each field', () => {
    const errors = validateForm(
      form({
        name: 'Bad Name',
        url: 'gateway.example.com',
        issuer: 'ftp://idp.example.com',
        redirectUri: 'localhost:8080/callback',
        header: 'Authorization: Bearer',
      }),
      false,
    );
    expect(errors.name).toMatch(/slug/);
    expect(errors.url).toMatch(/absolute http\(s\) URL/);
    expect(errors.issuer).toMatch(/absolute http\(s\) URL/);
    expect(errors.redirectUri).toMatch(/absolute http\(s\) URL/);
    expect(errors.header).toMatch(/\{token\}/);
    expect(validateForm(form({}), false)).toEqual({});
  });

  it('checks extra header lines and header names', () => {
    expect(validateForm(form({ extraHeaders: 'X-Ok: 1\nno colon' }), false).extraHeaders).toBe(
      'line 2: expected "Name: value", got "no colon"',
    );
    expect(validateForm(form({ extraHeaders: 'X Bad: 1' }), false).extraHeaders).toMatch(
      /header name/,
    );
  });

  it('asks client credentials for a client ID and a secret, unless one is stored', () => {
    const errors = validateForm(form({ auth: 'client_credentials' }), false);
    expect(errors.clientId).toMatch(/client ID/);
    expect(errors.clientSecret).toMatch(/client secret/);
    expect(validateForm(form({ auth: 'client_credentials', clientId: 'app' }), true)).toEqual({});
  });

  it('suggests a name from the URL’s host', () => {
    expect(suggestName('https://mcp.acme.io/mcp')).toBe('acme');
    expect(suggestName('https://gateway.eu.example.com/mcp')).toBe('eu-example');
    expect(suggestName('http://127.0.0.1:8931/mcp')).toBe('local-8931');
    expect(suggestName('http://localhost/mcp')).toBe('local');
    expect(suggestName('not a url')).toBe('');
  });

  it('puts a server error under the field it names', () => {
    expect(
      fieldOfError({ code: 'invalid_input', message: 'Invalid gateway url', field: 'url' }),
    ).toBe('url');
    expect(fieldOfError({ code: 'invalid_input', message: 'x', field: 'extraHeaders.X Bad' })).toBe(
      'extraHeaders',
    );
    expect(fieldOfError({ code: 'invalid_input', message: 'x', field: 'scopes[0]' })).toBe(
      'scopes',
    );
    expect(
      fieldOfError({ code: 'gateway_exists', message: 'A gateway named "acme" already exists.' }),
    ).toBe('name');
    expect(
      fieldOfError({ code: 'invalid_input', message: 'x', field: 'discoveryUrl' }),
    ).toBeUndefined();
    expect(fieldOfError({ code: 'idp_unreachable', message: 'x' })).toBeUndefined();
  });
});

describe('identity provider hints', () => {
  it('recognises the IdP from the first URL that names one', () => {
    expect(detectIdp([undefined, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab'])).toBe(
      'cognito',
    );
    expect(detectIdp(['https://acme.auth.eu-west-1.amazoncognito.com'])).toBe('cognito');
    expect(detectIdp(['https://login.microsoftonline.com/tenant/v2.0'])).toBe('entra');
    expect(detectIdp(['https://acme.eu.auth0.com/'])).toBe('auth0');
    expect(detectIdp(['https://acme.okta.com/oauth2/default'])).toBe('okta');
    expect(detectIdp(['https://sso.acme.io/realms/dev'])).toBe('keycloak');
    expect(detectIdp(['', 'not a url', 'https://mcp.acme.io/mcp'])).toBeUndefined();
  });
});
