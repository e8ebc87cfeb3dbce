import { describe, expect, it } from 'vitest';
import {
  DeepLinkRefused,
  deepLinkRoute,
  findDeepLinkInArgv,
  MAX_DEEP_LINK_LENGTH,
  parseDeepLink,
  type DeepLinkRefusal,
} from '../../src-main/app/deep-link-parse.js';
import { draftQuery } from '../../src-main/core/api/routes.js';
import { GatewaySchema } from '../../src-main/core/gateways/schema.js';

const GATEWAY_URL = 'https://gw.example.com/mcp';
const addLink = (params: Record<string, string>) => `gatekey://add?${new URLSearchParams(params)}`;

function refusal(link: string): DeepLinkRefused {
  try {
    parseDeepLink(link);
  } catch (error) {
    if (error instanceof DeepLinkRefused) return error;
    throw error;
  }
  throw new Error(`expected ${link} to be refused`);
}

describe('gatekey://add', () => {
  it('reads a full gateway definition', () => {
    const link = addLink({
      url: GATEWAY_URL,
      name: 'acme',
      auth: 'pkce',
      issuer: 'https://login.example.com/oauth2/default',
      clientId: '0oa1b2c3',
      scope: 'openid mcp:tools',
      audience: 'api://acme',
    });
    expect(parseDeepLink(link)).toEqual({
      action: 'add',
      gateway: {
        url: GATEWAY_URL,
        name: 'acme',
        auth: 'pkce',
        issuer: 'https://login.example.com/oauth2/default',
        clientId: '0oa1b2c3',
        scopes: ['openid', 'mcp:tools'],
        audience: 'api://acme',
      },
    });
  });

  it('keeps only what the link said (no defaults), and the result passes the gateway schema', () => {
    const parsed = parseDeepLink(`gatekey://add/?url=${encodeURIComponent(GATEWAY_URL)}&name=acme`);
    expect(parsed).toEqual({ action: 'add', gateway: { url: GATEWAY_URL, name: 'acme' } });
    if (parsed.action !== 'add') throw new Error('expected add');
    expect(GatewaySchema.safeParse(parsed.gateway).success).toBe(true);
  });

  it('reads scopes separated by + as well as %20', () => {
    const parsed = parseDeepLink(`gatekey://add?url=${GATEWAY_URL}&name=acme&scope=a+b%20c`);
    expect(parsed.action === 'add' && parsed.gateway.scopes).toEqual(['a', 'b', 'c']);
  });

  it('opens a prefilled confirmation screen, never applies the gateway', () => {
    const link = parseDeepLink(addLink({ url: GATEWAY_URL, name: 'acme', scope: 'openid mcp' }));
    const route = deepLinkRoute(link);
    expect(route.startsWith('#/add?')).toBe(true);
    const query = new URLSearchParams(route.slice('#/add?'.length));
    expect(Object.fromEntries(query)).toEqual({
      url: GATEWAY_URL,
      name: 'acme',
      scope: 'openid mcp',
    });
  });

  it('round-trips a gateway through its query', () => {
    const gateway = {
      url: GATEWAY_URL,
      name: 'acme',
      auth: 'client_credentials' as const,
      scopes: ['x', 'y'],
    };
    expect(parseDeepLink(`gatekey://add?${draftQuery(gateway)}`)).toEqual({
      action: 'add',
      gateway,
    });
  });
});

describe('gatekey://login', () => {
  it('opens the gateway with a sign-in prompt, not a browser', () => {
    const link = parseDeepLink('gatekey://login/acme');
    expect(link).toEqual({ action: 'login', name: 'acme' });
    expect(deepLinkRoute(link)).toBe('#/gateways/acme?ask=sign-in');
    expect(parseDeepLink('gatekey://login/acme/')).toEqual({ action: 'login', name: 'acme' });
  });
});

describe('refused links', () => {
  it.each<[string, string, DeepLinkRefusal]>([
    [
      'a link that is too long',
      addLink({ url: `${GATEWAY_URL}?${'a'.repeat(MAX_DEEP_LINK_LENGTH)}`, name: 'acme' }),
      'oversized',
    ],
    ['text that is not a URL', 'not a link', 'malformed'],
    ['an https link', `https://gatekey.dev/add?url=${GATEWAY_URL}&name=acme`, 'wrong-scheme'],
    ['a javascript: link', 'javascript:alert(1)', 'wrong-scheme'],
    ['an unknown action', 'gatekey://delete?name=acme', 'unknown-action'],
    ['a path after add', `gatekey://add/extra?url=${GATEWAY_URL}&name=acme`, 'malformed'],
    ['no url', 'gatekey://add?name=acme', 'missing-url'],
    ['a file: url', addLink({ url: 'file:///etc/passwd', name: 'acme' }), 'bad-url'],
    ['a javascript: url', addLink({ url: 'javascript:alert(1)', name: 'acme' }), 'bad-url'],
    ['a url that is no URL', addLink({ url: 'gw.example.com', name: 'acme' }), 'bad-url'],
    [
      'an ftp issuer',
      addLink({ url: GATEWAY_URL, name: 'acme', issuer: 'ftp://idp.example.com' }),
      'bad-url',
    ],
    ['no name', addLink({ url: GATEWAY_URL }), 'bad-name'],
    ['an upper-case name', addLink({ url: GATEWAY_URL, name: 'Acme' }), 'bad-name'],
    ['a name with a slash', 'gatekey://login/acme%2F..', 'bad-name'],
    ['a login without a name', 'gatekey://login/', 'bad-name'],
    ['a broken escape in the name', 'gatekey://login/%E0%A4%A', 'bad-name'],
    [
      'an unknown parameter',
      addLink({ url: GATEWAY_URL, name: 'acme', redirectUri: 'http://evil' }),
      'unknown-param',
    ],
    ['a parameter on a login link', 'gatekey://login/acme?force=1', 'unknown-param'],
    [
      'a repeated parameter',
      `gatekey://add?url=${GATEWAY_URL}&name=acme&name=beta`,
      'repeated-param',
    ],
    [
      'a client secret',
      addLink({ url: GATEWAY_URL, name: 'acme', client_secret: 's3cr3t-value' }),
      'secret-param',
    ],
    [
      'a camel-case client secret',
      addLink({ url: GATEWAY_URL, name: 'acme', clientSecret: 's3cr3t' }),
      'secret-param',
    ],
    [
      'an access token',
      addLink({ url: GATEWAY_URL, name: 'acme', access_token: 'eyJhbGciOi' }),
      'secret-param',
    ],
    [
      'a refresh token',
      addLink({ url: GATEWAY_URL, name: 'acme', refresh_token: 'r1' }),
      'secret-param',
    ],
    ['a password', addLink({ url: GATEWAY_URL, name: 'acme', password: 'p' }), 'secret-param'],
    ['a token on a login link', 'gatekey://login/acme?token=abc', 'secret-param'],
    [
      'credentials inside the url',
      addLink({ url: 'https://user:pw@gw.example.com/mcp', name: 'acme' }),
      'secret-param',
    ],
    [
      'an api key inside the url',
      addLink({ url: `${GATEWAY_URL}?api_key=abc`, name: 'acme' }),
      'secret-param',
    ],
    [
      'an unknown auth method',
      addLink({ url: GATEWAY_URL, name: 'acme', auth: 'magic' }),
      'invalid-field',
    ],
    [
      'an empty client id',
      addLink({ url: GATEWAY_URL, name: 'acme', clientId: '' }),
      'invalid-field',
    ],
  ])('refuses %s', (_what, link, reason) => {
    const refused = refusal(link);
    expect(refused.reason).toBe(reason);
    expect(refused.code).toBe('invalid_input');
    expect(refused.hint).toBeTruthy();
  });

  it('never repeats a secret value in its message', () => {
    const secret = 'Sup3rS3cretValue';
    for (const link of [
      addLink({ url: GATEWAY_URL, name: 'acme', client_secret: secret }),
      addLink({ url: `https://user:${secret}@gw.example.com/mcp`, name: 'acme' }),
      addLink({ url: GATEWAY_URL, name: 'acme', [secret]: 'x' }),
      `gatekey://${secret}-${'x'.repeat(40)}`,
    ]) {
      const refused = refusal(link);
      expect(`${refused.message} ${refused.hint}`).not.toContain(secret);
    }
  });

  it('says what was expected and what arrived', () => {
    expect(refusal('gatekey://add?name=acme').message).toBe(
      'Expected a url parameter, e.g. gatekey://add?url=https://gateway.example.com/mcp&name=my-gateway.',
    );
    expect(refusal(addLink({ url: 'file:///etc/passwd', name: 'acme' })).message).toBe(
      'Expected url to be an http(s) URL like https://gateway.example.com/mcp; it is a file: URL.',
    );
    expect(
      refusal(addLink({ url: GATEWAY_URL, name: 'acme', client_secret: 'x' })).message,
    ).toContain('it has a "client_secret" parameter');
  });
});

describe('launch arguments', () => {
  it('finds the link among the arguments Windows and Linux pass', () => {
    expect(
      findDeepLinkInArgv(['/opt/Gatekey/gatekey-app', '--no-sandbox', 'gatekey://login/acme']),
    ).toBe('gatekey://login/acme');
    expect(findDeepLinkInArgv(['C:\\Gatekey.exe', 'GATEKEY://login/acme'])).toBe(
      'GATEKEY://login/acme',
    );
    expect(findDeepLinkInArgv(['/usr/bin/electron', '.'])).toBeUndefined();
  });
});
