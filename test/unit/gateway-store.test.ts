import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatekeyError } from '../../src-main/core/errors.js';
import { GatewayStore, type GatewayInput } from '../../src-main/core/gateways/index.js';
import { defaultHome, resolveHome } from '../../src-main/core/paths.js';

let home: string;
let store: GatewayStore;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'gatekey-store-'));
  store = new GatewayStore(home);
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const alpha: GatewayInput = { name: 'alpha', url: 'https://alpha.example.com/mcp' };
const beta: GatewayInput = { name: 'beta', url: 'https://beta.example.com/mcp', auth: 'none' };

function caught(action: () => unknown): GatekeyError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatekeyError) return error;
    throw error;
  }
  throw new Error('expected a GatekeyError, but the call succeeded');
}

const fileMode = (file: string) => fs.statSync(file).mode & 0o777;
const writeConfig = (config: unknown) =>
  fs.writeFileSync(store.file, typeof config === 'string' ? config : JSON.stringify(config));

describe('resolveHome', () => {
  const userHome = '/home/ada';

  it('prefers --home, then GATEKEY_HOME, and creates the directory with mode 0700', () => {
    const explicit = path.join(home, 'explicit');
    const fromEnv = path.join(home, 'from-env');
    const environment = { platform: 'linux' as const, env: { GATEKEY_HOME: fromEnv }, userHome };
    expect(resolveHome(explicit, environment)).toBe(explicit);
    expect(resolveHome(undefined, environment)).toBe(fromEnv);
    expect(fileMode(explicit)).toBe(0o700);
    expect(fileMode(fromEnv)).toBe(0o700);
  });

  it('falls back to the per-OS default', () => {
    expect(defaultHome({ platform: 'linux', env: {}, userHome })).toBe('/home/ada/.config/gatekey');
    expect(defaultHome({ platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg' }, userHome })).toBe(
      '/xdg/gatekey',
    );
    expect(defaultHome({ platform: 'darwin', env: {}, userHome })).toBe(
      '/home/ada/Library/Application Support/Gatekey',
    );
    expect(defaultHome({ platform: 'win32', env: { APPDATA: '/appdata' }, userHome })).toBe(
      path.join('/appdata', 'Gatekey'),
    );
  });
});

describe('GatewayStore', () => {
  it('starts empty without creating a file', () => {
    expect(store.list()).toEqual([]);
    expect(store.settings()).toEqual({ port: 7421, allowedOrigins: [] });
    expect(fs.existsSync(store.file)).toBe(false);
  });

  it('adds gateways with their defaults, in a 0600 file shaped { version, gateways, settings }', () => {
    const added = store.add(alpha);
    expect(added).toMatchObject({ auth: 'pkce', tokenToSend: 'access_token' });
    store.add(beta);

    expect(store.list().map((gateway) => gateway.name)).toEqual(['alpha', 'beta']);
    expect(store.get('alpha')).toEqual(added);
    expect(fileMode(store.file)).toBe(0o600);
    const onDisk = JSON.parse(fs.readFileSync(store.file, 'utf8'));
    expect(Object.keys(onDisk)).toEqual(['version', 'gateways', 'settings']);
    expect(onDisk.version).toBe(1);
  });

  it('refuses a second gateway with the same name', () => {
    store.add(alpha);
    const error = caught(() => store.add({ ...alpha, url: 'https://other.example.com' }));
    expect(error.code).toBe('gateway_exists');
    expect(error.message).toContain('"alpha"');
    expect(store.require('alpha').url).toBe(alpha.url);
  });

  it('names the known gateways when one is missing', () => {
    store.add(alpha);
    store.add(beta);
    const error = caught(() => store.require('gamma'));
    expect(error.code).toBe('gateway_not_found');
    expect(error.message).toBe('No gateway named "gamma".');
    expect(error.hint).toContain('alpha, beta');
    expect(caught(() => store.remove('gamma')).code).toBe('gateway_not_found');
  });

  it('refuses invalid input with the field at fault and writes nothing', () => {
    const error = caught(() => store.add({ name: 'ok', url: 'not a url' }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('url: expected an absolute http(s) URL');
    expect(error.field).toBe('url');
    expect(fs.existsSync(store.file)).toBe(false);
  });

  it('has no place for a secret: unknown fields such as clientSecret are refused', () => {
    const secret = 'super-secret-value-123';
    const input = { ...alpha, clientSecret: secret } as GatewayInput;
    const error = caught(() => store.add(input));
    expect(error.message).toContain('clientSecret: unknown field');
    expect(error.message).not.toContain(secret);
    store.add(beta);
    expect(fs.readFileSync(store.file, 'utf8')).not.toContain(secret);
  });

  it('merges updates, and a field set to undefined returns to its default', () => {
    store.add({ ...alpha, tokenToSend: 'id_token', issuer: 'https://idp.example.com' });
    const updated = store.update('alpha', { scopes: ['openid'], issuer: undefined });
    expect(updated).toMatchObject({ tokenToSend: 'id_token', scopes: ['openid'] });
    expect(updated.issuer).toBeUndefined();
    expect(store.update('alpha', { tokenToSend: undefined }).tokenToSend).toBe('access_token');
    expect(caught(() => store.update('alpha', { name: 'renamed' })).code).toBe('invalid_input');
    expect(caught(() => store.update('alpha', { auth: 'magic' as 'pkce' })).message).toContain(
      'auth:',
    );
  });

  it('removes a gateway and returns it', () => {
    store.add(alpha);
    store.add(beta);
    expect(store.remove('alpha').name).toBe('alpha');
    expect(store.list().map((gateway) => gateway.name)).toEqual(['beta']);
  });

  it('keeps the previous good file as config.json.bak (0600) before each write', () => {
    store.add(alpha);
    expect(fs.existsSync(store.backupFile)).toBe(false);
    const beforeSecondWrite = fs.readFileSync(store.file, 'utf8');
    store.add(beta);
    expect(fs.readFileSync(store.backupFile, 'utf8')).toBe(beforeSecondWrite);
    expect(fileMode(store.backupFile)).toBe(0o600);
    store.remove('alpha');
    expect(JSON.parse(fs.readFileSync(store.backupFile, 'utf8')).gateways).toHaveLength(2);
  });

  it('validates and updates settings', () => {
    const settings = store.updateSettings({ allowedOrigins: ['http://localhost:5173'] });
    expect(settings).toEqual({ port: 7421, allowedOrigins: ['http://localhost:5173'] });
    expect(store.updateSettings({ port: 0 }).port).toBe(0);
    const error = caught(() => store.updateSettings({ allowedOrigins: ['http://x.test/path'] }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('allowedOrigins[0]: expected an origin');
    expect(error.field).toBe('allowedOrigins[0]');
  });

  it("sees another process's edits on the next call (CLI and tray share the file)", () => {
    const tray = store;
    const cli = new GatewayStore(home);
    tray.add(alpha);
    expect(cli.list().map((gateway) => gateway.name)).toEqual(['alpha']);
    cli.add(beta);
    tray.update('beta', { auth: 'pkce' });
    cli.remove('alpha');
    tray.add({ name: 'gamma', url: 'https://gamma.example.com' });
    expect(cli.get('beta')?.auth).toBe('pkce');
    for (const view of [tray, cli])
      expect(view.list().map((gateway) => gateway.name)).toEqual(['beta', 'gamma']);

    // An edit by hand (same inode, new content) is seen too.
    const byHand = JSON.parse(fs.readFileSync(store.file, 'utf8'));
    byHand.gateways.pop();
    fs.writeFileSync(store.file, JSON.stringify(byHand));
    expect(tray.list().map((gateway) => gateway.name)).toEqual(['beta']);
  });

  it("the proxy's view sees the store's own edits at once, and an edit by hand shortly after", async () => {
    store.add(alpha);
    expect(store.recent.get('alpha')?.url).toBe(alpha.url);
    store.update('alpha', { url: 'https://moved.example.com/mcp' });
    expect(store.recent.get('alpha')?.url).toBe('https://moved.example.com/mcp');
    store.updateSettings({ allowedOrigins: ['https://app.example.com'] });
    expect(store.recent.settings().allowedOrigins).toEqual(['https://app.example.com']);

    const byHand = JSON.parse(fs.readFileSync(store.file, 'utf8'));
    byHand.gateways = [];
    fs.writeFileSync(store.file, JSON.stringify(byHand));
    const deadline = Date.now() + 5000;
    while (store.recent.get('alpha') !== undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(store.recent.get('alpha')).toBeUndefined();
  });

  it('shares frozen results: changing one throws and never changes the store', () => {
    store.add({ ...alpha, scopes: ['a'] });
    expect(() => store.get('alpha')?.scopes?.push('b')).toThrow(TypeError);
    expect(() => {
      store.list()[0]!.url = 'https://mutated.example.com';
    }).toThrow(TypeError);
    expect(store.require('alpha')).toMatchObject({ scopes: ['a'], url: alpha.url });
  });
});

describe('GatewayStore with an invalid config file', () => {
  const good = { name: 'good', url: 'https://good.example.com' };
  const withGateway = (fields: Record<string, unknown>) => ({
    version: 1,
    gateways: [good, { ...good, name: 'bad', ...fields }],
  });

  it.each([
    [withGateway({ url: 'ftp://x' }), 'gateways[1].url: expected an absolute http(s) URL'],
    [withGateway({ name: 'Bad Name' }), 'gateways[1].name: expected a slug'],
    [withGateway({ auth: 'password' }), 'gateways[1].auth: Invalid option'],
    [withGateway({ issuer: '/relative' }), 'gateways[1].issuer: expected an absolute http(s) URL'],
    [withGateway({ clientId: '' }), 'gateways[1].clientId:'],
    [withGateway({ tokenEndpointAuthMethod: 'x' }), 'gateways[1].tokenEndpointAuthMethod:'],
    [withGateway({ scopes: ['a b'] }), 'gateways[1].scopes[0]: a scope has no spaces'],
    [withGateway({ resource: true }), 'gateways[1].resource:'],
    [withGateway({ redirectUri: 'x' }), 'gateways[1].redirectUri: expected an absolute'],
    [withGateway({ tokenToSend: 'refresh_token' }), 'gateways[1].tokenToSend:'],
    [withGateway({ header: 'Authorization: Bearer' }), 'gateways[1].header: expected "Header-Name'],
    [
      withGateway({ extraHeaders: { 'X Bad': 'v' } }),
      'gateways[1].extraHeaders["X Bad"]: expected a header name',
    ],
    [
      withGateway({ extraHeaders: { 'X-Pool': 'a\r\nX-Injected: 1' } }),
      'gateways[1].extraHeaders["X-Pool"]: expected a header value without control characters',
    ],
    [
      withGateway({ header: 'Authorization: Bearer {token}\r\nX-Injected: 1' }),
      'gateways[1].header: expected "Header-Name',
    ],
    [withGateway({ allowHttp: 'yes' }), 'gateways[1].allowHttp:'],
    [withGateway({ accessToken: 'x' }), 'gateways[1].accessToken: unknown field'],
    [withGateway({ name: 'good' }), 'gateways[1].name: duplicate name "good"'],
    [{ version: 2, gateways: [] }, 'version:'],
    [{ version: 1, settings: { port: 70000 } }, 'settings.port:'],
    [{ version: 1, settings: { allowedOrigins: ['nope'] } }, 'settings.allowedOrigins[0]:'],
    [{ version: 1, extra: true }, 'extra: unknown field'],
  ])('names the field at fault: %j', (config, expected) => {
    writeConfig(config);
    const error = caught(() => store.list());
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain(store.file);
    expect(error.message).toContain(expected);
  });

  it('names line and column of a JSON syntax error and never overwrites the file', () => {
    const broken = '{\n  "version": 1,\n  "gateways": [\n    { "name": "a", }\n  ]\n}\n';
    writeConfig(broken);
    const error = caught(() => store.list());
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe(
      `The config file ${store.file} is not valid JSON at line 4, column 20: property name expected.`,
    );
    expect(error.hint).toContain('move it away');

    for (const write of [
      () => store.add(alpha),
      () => store.remove('a'),
      () => store.updateSettings({ port: 8000 }),
    ])
      expect(caught(write).message).toBe(error.message);
    expect(fs.readFileSync(store.file, 'utf8')).toBe(broken);
  });

  it('points at the backup when there is one', () => {
    store.add(alpha);
    store.add(beta);
    writeConfig('{"version": 1, "gateways": [');
    const error = caught(() => store.get('alpha'));
    expect(error.message).toContain('line 1, column 29');
    expect(error.hint).toContain(`cp "${store.backupFile}" "${store.file}"`);
    fs.copyFileSync(store.backupFile, store.file);
    expect(store.list().map((gateway) => gateway.name)).toEqual(['alpha']);
  });
});
