import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLinkRefused, parseDeepLink } from '../../src-main/app/deep-link-parse.js';
import { serveDashboard } from '../../src-main/core/dashboard.js';
import { isGatekeyError } from '../../src-main/core/errors.js';
import { GATEWAY_NAME_PATTERN } from '../../src-main/core/gateways/schema.js';
import { GatewayStore } from '../../src-main/core/gateways/store.js';
import { decodeJwt, inspectToken } from '../../src-main/core/jwt/index.js';
import { temporaryHome } from '../support/cli.js';
import { FUZZ_SEED, fuzzFor, Random, rawExchange } from '../support/reliability-fuzz.js';
import { report } from '../support/reliability-rig.js';
import { temporaryDirectory } from '../support/temporary.js';

const FUZZ = { durationMs: 1500 };
const random = new Random(FUZZ_SEED);
const JUNK = '{}[]",:0123456789aeflnrstu-.\\ \n\t\u0000\u00e9\ud83d';

describe('the config loader', () => {
  const VALID = {
    version: 1,
    gateways: [
      {
        name: 'work',
        url: 'https://gw.example.com/mcp',
        auth: 'pkce',
        issuer: 'https://idp.example.com',
        clientId: 'abc',
        scopes: ['openid', 'mcp:tools'],
        extraHeaders: { 'X-Tenant': 'acme' },
        redirectUri: 'http://127.0.0.1:0/callback',
      },
      {
        name: 'robot',
        url: 'https://gw.example.com/mcp',
        auth: 'client_credentials',
        clientId: 'robot',
        audience: 'api://x',
        resource: false,
      },
    ],
    settings: { port: 7421, allowedOrigins: ['http://localhost:5173'] },
  };
  const VALID_TEXT = `${JSON.stringify(VALID, null, 2)}\n`;
  type JsonPath = (string | number)[];

  /** `gateways[0].extraHeaders["X-Tenant"]`: the way the loader names a place. */
  function placeOf(jsonPath: JsonPath): string {
    return jsonPath
      .map((key, index) => {
        if (typeof key === 'number') return `[${key}]`;
        if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `[${JSON.stringify(key)}]`;
        return index === 0 ? key : `.${key}`;
      })
      .join('');
  }

  /** Every place in the document, as paths. */
  function placesIn(value: unknown, at: JsonPath = []): JsonPath[] {
    if (typeof value !== 'object' || value === null) return [at];
    const children = Object.entries(value).flatMap(([key, child]) =>
      placesIn(child, [...at, Array.isArray(value) ? Number(key) : key]),
    );
    return [at, ...children];
  }

  function setAt(document: unknown, jsonPath: JsonPath, next: unknown): void {
    const parent = jsonPath
      .slice(0, -1)
      .reduce<unknown>((node, key) => (node as never)[key], document);
    const last = jsonPath.at(-1)!;
    if (next === undefined) delete (parent as Record<string | number, unknown>)[last];
    else (parent as Record<string | number, unknown>)[last] = next;
  }

  const replacements = (rng: Random): unknown[] => [
    undefined,
    null,
    true,
    -1,
    Number.MAX_VALUE,
    '',
    'x'.repeat(rng.int(5000)),
    'a b',
    [],
    {},
    [null],
    { zzz: 1 },
    'http://[',
    'gatekey://x',
    '__proto__',
    70_000,
  ];

  /**
   * A corrupted file, and where a person should be told to look: the changed place or its
   * parent (undefined for byte-level damage, which a line and column locate).
   */
  function corrupt(rng: Random): { text: string; places?: string[] } {
    if (rng.chance(0.5)) {
      const document = structuredClone(VALID) as unknown;
      const jsonPath = rng.pick(placesIn(document).filter((place) => place.length > 0));
      setAt(document, jsonPath, rng.pick(replacements(rng)));
      const places = [placeOf(jsonPath), placeOf(jsonPath.slice(0, -1))].filter(Boolean);
      return { text: JSON.stringify(document, null, 2), places };
    }
    const at = rng.int(VALID_TEXT.length);
    const edits = [
      () => VALID_TEXT.slice(0, at) + rng.text(1 + rng.int(3), JUNK) + VALID_TEXT.slice(at + 1),
      () => VALID_TEXT.slice(0, at) + VALID_TEXT.slice(at + 1 + rng.int(40)),
      () => VALID_TEXT.slice(0, at) + rng.text(1 + rng.int(5), JUNK) + VALID_TEXT.slice(at),
      () => VALID_TEXT.slice(0, at),
      () => VALID_TEXT.slice(0, at) + VALID_TEXT.slice(at - rng.int(30)),
    ];
    return { text: rng.pick(edits)() };
  }

  it('refuses every corruption with config_invalid naming the place, and never touches the file', async () => {
    const home = await temporaryHome();
    const store = () => new GatewayStore(home);
    const { file, backupFile } = store();
    writeFileSync(file, VALID_TEXT);
    store().add({ name: 'spare', url: 'https://spare.example.com/mcp' }); // leaves a good .bak
    const backup = readFileSync(backupFile);
    const verdicts = { accepted: 0, syntax: 0, schema: 0 };
    const findings: string[] = [];

    const iterations = await fuzzFor(FUZZ, random, (rng) => {
      const { text, places } = corrupt(rng);
      writeFileSync(file, Buffer.from(text));
      const error = captured(() => store().list());
      if (error === undefined) {
        verdicts.accepted += 1;
        return;
      }
      const named = describeRefusal(error, text, places);
      if (named !== 'ok') findings.push(`${named}: ${String(error)}`);
      else verdicts[/is not valid JSON/.test(error.message) ? 'syntax' : 'schema'] += 1;
      const writeError = captured(() => store().add({ name: 'new', url: 'https://n.example.com' }));
      if (!isGatekeyError(writeError, 'config_invalid'))
        findings.push(`a write went through: ${text}`);
      if (!readFileSync(file).equals(Buffer.from(text))) findings.push(`the file changed: ${text}`);
      if (!readFileSync(backupFile).equals(backup)) findings.push(`the backup changed: ${text}`);
    });
    report('fuzz-config', { iterations, ...verdicts, findings: findings.length });
    expect(findings.slice(0, 5)).toEqual([]);
  });

  function captured(run: () => unknown): Error | undefined {
    try {
      run();
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  /** `ok` when the refusal is a config_invalid that says where the file is wrong. */
  function describeRefusal(error: Error, text: string, places?: string[]): string {
    if (!isGatekeyError(error, 'config_invalid')) return 'not a config_invalid error';
    if (!error.hint?.includes('restore the last good copy')) return 'no way back offered';
    const syntax = /is not valid JSON at line (\d+), column (\d+)/.exec(error.message);
    if (syntax) return Number(syntax[1]) <= text.split('\n').length ? 'ok' : 'a line past the end';
    if (!/does not match the schema: ./.test(error.message)) return 'no problem named';
    if (places && !places.some((place) => error.message.includes(place)))
      return `the place (${places[0]}) is not named`;
    return 'ok';
  }
});

describe('deep links', () => {
  const SEEDS = [
    'gatekey://add?url=https://gw.example.com/mcp&name=work&auth=pkce&issuer=https://idp.example.com&clientId=abc&scope=openid%20mcp:tools&audience=api',
    'gatekey://login/work',
  ];
  const PARAMS = [
    'url',
    'name',
    'auth',
    'issuer',
    'clientId',
    'scope',
    'audience',
    'client_secret',
    'token',
    'password',
    'code',
    'key',
    'api-key',
    'refresh_token',
    '__proto__',
    'Url',
    '',
  ];
  const LINK_JUNK = '%/?&=#:@[]\\<>"\'` \u0000\u00e9\ud83dABCxyz0123456789.-_~+';

  function mutate(rng: Random, marker: string): string {
    const link = rng.pick(SEEDS);
    const at = rng.int(link.length);
    const edits = [
      () => link.slice(0, at) + rng.text(1 + rng.int(6), LINK_JUNK) + link.slice(at),
      () => link.slice(0, at) + link.slice(at + 1 + rng.int(10)),
      () => `${link}&${rng.pick(PARAMS)}=${marker}`,
      () => `${link}${link.includes('?') ? '&' : '?'}${rng.pick(PARAMS)}=${marker}`,
      () => link.replace('https://gw.example.com', `https://${marker}@gw.example.com`),
      () =>
        link.replace('gatekey:', rng.pick(['GATEKEY:', 'gatekey:/', 'http:', 'javascript:', ''])),
      () => `${link}&url=${encodeURIComponent(`https://gw.example.com/?access_token=${marker}`)}`,
      () => link + 'x'.repeat(2100),
      () => rng.text(rng.int(200), LINK_JUNK),
    ];
    return rng.pick(edits)();
  }

  const isHttpUrl = (value: string) =>
    URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);

  it('either yields a well-formed link or refuses it, never echoing a value', async () => {
    const verdicts = { accepted: 0, refused: 0 };
    const findings: string[] = [];
    const iterations = await fuzzFor(FUZZ, random, (rng) => {
      const marker = `Secret${rng.int(1e9)}Value`;
      const raw = mutate(rng, marker);
      try {
        const link = parseDeepLink(raw);
        const name = link.action === 'add' ? link.gateway.name : link.name;
        if (!GATEWAY_NAME_PATTERN.test(String(name))) findings.push(`bad name accepted: ${raw}`);
        if (link.action === 'add' && !isHttpUrl(link.gateway.url))
          findings.push(`bad url accepted: ${raw}`);
        if (JSON.stringify(link).includes(marker)) findings.push(`a secret was accepted: ${raw}`);
        verdicts.accepted += 1;
      } catch (error) {
        if (!(error instanceof DeepLinkRefused)) findings.push(`${String(error)} ← ${raw}`);
        else if (`${error.message} ${error.hint}`.includes(marker))
          findings.push(`a value was echoed: ${error.message} ← ${raw}`);
        verdicts.refused += 1;
      }
    });
    report('fuzz-deep-links', { iterations, ...verdicts, findings: findings.length });
    expect(findings.slice(0, 5)).toEqual([]);
  });
});

describe('the JWT decoder and inspector', () => {
  let realToken: string;

  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('RS256');
    realToken = await new SignJWT({
      scope: 'mcp:tools',
      client_id: 'abc',
      nested: { a: [1, { b: 2 }] },
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example.com')
      .setAudience('https://gw.example.com/mcp')
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  });

  const base64url = (text: string) => Buffer.from(text).toString('base64url');
  const segment = (value: unknown) =>
    Buffer.from(JSON.stringify(value) ?? 'undefined').toString('base64url');
  const TOKEN_JUNK = 'ABCxyz0123456789-_.=+/ \n\u0000\u00e9';

  function hostileToken(rng: Random): string {
    const [header = '', payload = '', signature = ''] = realToken.split('.');
    const at = rng.int(realToken.length);
    const edits = [
      () => realToken.slice(0, at) + rng.text(1 + rng.int(4), TOKEN_JUNK) + realToken.slice(at + 1),
      () => realToken.slice(0, at),
      () => [payload, header, signature].join('.'),
      () => `${realToken}.${signature}.x`,
      () => `Bearer ${realToken}`,
      () =>
        [
          segment(rng.pick([null, [], 'x', 1, { alg: 1 }, { alg: 'none' }])),
          payload,
          signature,
        ].join('.'),
      () =>
        [
          header,
          segment(
            rng.pick([null, [], 'x', Number.MAX_VALUE, { exp: 'soon' }, { exp: -1e20, nbf: NaN }]),
          ),
          '',
        ].join('.'),
      () => [header, base64url(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`), signature].join('.'),
      () => [header, base64url('{'.repeat(40_000)), signature].join('.'),
      () => [header, rng.bytes(rng.int(300)).toString('base64url'), signature].join('.'),
      () => 'a'.repeat(70_000),
      () => rng.text(rng.int(100), TOKEN_JUNK),
    ];
    return rng.pick(edits)();
  }

  it('decodes or refuses with not_a_jwt, and the inspector always answers', async () => {
    const verdicts = { decoded: 0, refused: 0 };
    const thrown: unknown[] = [];
    const iterations = await fuzzFor(FUZZ, random, async (rng) => {
      const token = hostileToken(rng);
      try {
        decodeJwt(token);
        verdicts.decoded += 1;
      } catch (error) {
        if (!isGatekeyError(error, 'not_a_jwt')) thrown.push(error);
        verdicts.refused += 1;
      }
      await inspectToken(token, { tokenKind: 'access_token' }).catch((error: unknown) =>
        thrown.push(error),
      );
    });
    report('fuzz-jwt', { iterations, ...verdicts, otherErrors: thrown.length });
    expect(thrown.map(String).slice(0, 5)).toEqual([]);
  });
});

describe('the dashboard file server', () => {
  let uiDir: string;
  let port: number;
  const thrown: unknown[] = [];
  const close: (() => void)[] = [];

  beforeAll(async () => {
    const root = await temporaryDirectory('gatekey-ui');
    uiDir = path.join(root, 'renderer');
    await mkdir(path.join(uiDir, 'assets'), { recursive: true });
    await writeFile(path.join(uiDir, 'index.html'), '<html>dashboard</html>');
    await writeFile(path.join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(root, 'outside.txt'), 'OUTSIDE THE DASHBOARD');
    const server = createServer((req, res) => {
      try {
        serveDashboard(uiDir, req, res);
      } catch (error) {
        thrown.push(error);
        res.writeHead(500).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    close.push(() => server.close());
  });
  afterAll(() => close.forEach((run) => run()));

  const TRAVERSALS = [
    '/../outside.txt',
    '/%2e%2e/outside.txt',
    '/..%2foutside.txt',
    '/assets/..%2f..%2foutside.txt',
    '/%2e%2e%2foutside.txt',
    '/..\\outside.txt',
    '/%zz',
    '/%E0%A4%A',
    '/assets/%ff',
    '//outside.txt',
    '/\u0000',
    'http://a:99999/',
    'http://127.0.0.1/../outside.txt',
  ];

  it('serves only its own files and answers malformed paths without throwing', async () => {
    const leaks: string[] = [];
    const iterations = await fuzzFor(FUZZ, random, async (rng) => {
      const target = rng.chance(0.5)
        ? rng.pick(TRAVERSALS)
        : `/${rng.text(rng.int(30), '%./\\2eEfF0aszZ?#')}`;
      const request = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
      const outcome = await rawExchange(port, [request], { timeoutMs: 5000 });
      if (outcome.received.includes('OUTSIDE')) leaks.push(target);
    });
    report('fuzz-dashboard-paths', { iterations, leaks: leaks.length, thrown: thrown.length });
    expect(leaks).toEqual([]);
    expect(thrown.map(String).slice(0, 3)).toEqual([]);
  });
});
