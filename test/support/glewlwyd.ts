import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { access, copyFile, cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.js';
import { temporaryDirectory } from './temporary.js';

/**
 * Glewlwyd (Debian package `glewlwyd`): an OAuth 2 / OIDC server written in C by other people,
 * started on loopback with its own sqlite database, configured through its own admin API.
 */
const GLEWLWYD = '/usr/bin/glewlwyd';
const SCHEMA = '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3';
const PACKAGE_CONFIG = '/etc/glewlwyd/glewlwyd.conf';
const WEBAPP = '/usr/share/glewlwyd/webapp';
/** Debian links webapp/config.json to a directory; the login page needs the file inside it. */
const WEBAPP_CONFIG = '/etc/glewlwyd/config-2.7.json/config.json';
/** The administrator the package's schema creates. */
const ADMIN = { username: 'admin', password: 'password' };

export const GLEWLWYD_USER = { username: 'alice', password: 'correct horse' };
export const GLEWLWYD_SCOPE = 'mcp';

export interface GlewlwydClient {
  clientId: string;
  clientSecret?: string;
}

export interface RunningGlewlwyd {
  issuer: string;
  /** Creates a client through the admin API (a confidential one when a secret is given). */
  addClient(client: GlewlwydClientInput): Promise<GlewlwydClient>;
  close(): Promise<void>;
}

export interface GlewlwydClientInput {
  clientId: string;
  clientSecret?: string;
  grants: ('code' | 'refresh_token' | 'client_credentials')[];
  redirectUris?: string[];
  /** The token endpoint authentication methods Glewlwyd accepts from this client. */
  methods?: ('client_secret_basic' | 'client_secret_post' | 'none')[];
}

/**
 * Whether the tests can run Glewlwyd. On CI (CI=true) a missing package is a failure, so a
 * broken install never passes silently; elsewhere the tests skip with this reason.
 */
export async function glewlwydMissing(): Promise<string | undefined> {
  const missing = await access(GLEWLWYD).then(
    () => undefined,
    () => `${GLEWLWYD} is not installed (sudo apt-get install -y glewlwyd)`,
  );
  if (missing && process.env.CI === 'true') throw new Error(`CI needs Glewlwyd: ${missing}`);
  return missing;
}

export interface GlewlwydOptions {
  /**
   * Client metadata Glewlwyd's registration endpoint imposes on every registration, whatever
   * was asked (its `register-default-properties`), e.g. `token_endpoint_auth_method`.
   */
  registrationDefaults?: Record<string, string>;
}

export async function startGlewlwyd(options: GlewlwydOptions = {}): Promise<RunningGlewlwyd> {
  const directory = await temporaryDirectory('gatekey-glewlwyd');
  const database = path.join(directory, 'glewlwyd.db');
  await run('sqlite3', [database], await readFile(SCHEMA, 'utf8'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const configFile = path.join(directory, 'glewlwyd.conf');
  await writeFile(configFile, await configuration(port, database, await webapp(directory)));
  const child = spawn(GLEWLWYD, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const close = () => stop(child);
  try {
    await waitUntilListening(`${base}/config.json`, child, () => log);
    const admin = await adminSession(base);
    const issuer = `${base}/api/oidc`;
    await admin.post('/api/scope/', {
      name: GLEWLWYD_SCOPE,
      display_name: 'MCP',
      description: 'MCP tools',
      password_required: false,
      password_max_age: 0,
    });
    await admin.post('/api/mod/plugin/', oidcPlugin(issuer, options.registrationDefaults ?? {}));
    await admin.post('/api/user/', {
      username: GLEWLWYD_USER.username,
      password: GLEWLWYD_USER.password,
      name: 'Alice',
      enabled: true,
      scope: ['openid', GLEWLWYD_SCOPE],
    });
    return {
      issuer,
      close,
      async addClient(input) {
        await admin.post('/api/client/', {
          client_id: input.clientId,
          name: input.clientId,
          enabled: true,
          confidential: input.clientSecret !== undefined,
          ...(input.clientSecret ? { client_secret: input.clientSecret } : {}),
          authorization_type: input.grants,
          scope: ['openid', GLEWLWYD_SCOPE],
          redirect_uri: input.redirectUris ?? [],
          token_endpoint_auth_method:
            input.methods ??
            (input.clientSecret ? ['client_secret_basic', 'client_secret_post'] : ['none']),
        });
        return { clientId: input.clientId, clientSecret: input.clientSecret };
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A copy of the packaged web app (its login page) with a readable config.json; it serves no symlink. */
async function webapp(directory: string): Promise<string> {
  const copy = path.join(directory, 'webapp');
  await cp(WEBAPP, copy, {
    recursive: true,
    dereference: true,
    filter: (source) => source !== path.join(WEBAPP, 'config.json'),
  });
  await copyFile(WEBAPP_CONFIG, path.join(copy, 'config.json'));
  return copy;
}

async function configuration(port: number, database: string, staticFiles: string): Promise<string> {
  const packaged = await readFile(PACKAGE_CONFIG, 'utf8');
  return packaged
    .replace(/^port=.*$/m, `port=${port}`)
    .replace(/^external_url=.*$/m, `external_url="http://127.0.0.1:${port}"`)
    .replace(/^log_mode=.*$/m, 'log_mode="console"')
    .replace(
      /^@include .*$/m,
      `database = { type = "sqlite3"\n path = "${database}" };\nstatic_files_path="${staticFiles}/"`,
    )
    .concat('\nbind_address="127.0.0.1"\n');
}

/** The OIDC plugin: RS256 tokens, PKCE, revocation, registration; short-lived access tokens. */
function oidcPlugin(issuer: string, registrationDefaults: Record<string, string>) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'glewlwyd-1', alg: 'RS256' };
  return {
    module: 'oidc',
    name: 'oidc',
    display_name: 'OpenID Connect',
    parameters: {
      iss: issuer,
      'jwt-type': 'rsa',
      'jwt-key-size': '256',
      'jwks-private': JSON.stringify({ keys: [jwk] }),
      'default-kid': 'glewlwyd-1',
      'jwks-show': true,
      'access-token-duration': 12,
      'refresh-token-duration': 1209600,
      'code-duration': 600,
      'refresh-token-rolling': true,
      'allow-non-oidc': true,
      'auth-type-code-enabled': true,
      'auth-type-token-enabled': false,
      'auth-type-id-token-enabled': true,
      'auth-type-none-enabled': true,
      'auth-type-password-enabled': false,
      'auth-type-client-enabled': true,
      'auth-type-device-enabled': false,
      'auth-type-refresh-enabled': true,
      scope: [],
      'additional-parameters': [],
      claims: [],
      'allowed-scope': ['openid', GLEWLWYD_SCOPE],
      'pkce-allowed': true,
      'pkce-method-plain-allowed': false,
      'introspection-revocation-allowed': true,
      'introspection-revocation-auth-scope': [],
      'introspection-revocation-allow-target-client': true,
      'register-client-allowed': true,
      'register-client-auth-scope': [],
      'register-client-credentials-scope': [],
      'register-client-management-allowed': true,
      'register-default-properties': Object.fromEntries(
        Object.entries(registrationDefaults).map(([name, value]) => [name, { value }]),
      ),
      'session-management-allowed': false,
      'secret-type': 'pairwise',
      'name-claim': 'no',
      'email-claim': 'no',
      'scope-claim': 'no',
      'address-claim': { type: 'no' },
    },
  };
}

async function adminSession(base: string) {
  const login = await fetch(`${base}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const cookie = login.headers.getSetCookie().map((line) => line.split(';')[0]);
  if (!login.ok || cookie.length === 0) {
    throw new Error(`Glewlwyd admin login answered HTTP ${login.status}`);
  }
  return {
    async post(route: string, body: unknown): Promise<void> {
      const response = await fetch(`${base}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookie.join('; ') },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        throw new Error(`Glewlwyd POST ${route}: HTTP ${response.status} ${await response.text()}`);
      }
    },
  };
}

async function waitUntilListening(url: string, child: ChildProcess, log: () => string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`Glewlwyd exited: ${log()}`);
    const ok = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Glewlwyd did not answer at ${url}: ${log()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function run(command: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`)),
    );
    child.stdin.end(input);
  });
}
