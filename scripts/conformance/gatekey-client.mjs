// The "client under test" for the MCP conformance suite: Gatekey as a person uses it. The suite
// runs `node gatekey-client.mjs <server-url>` with MCP_CONFORMANCE_SCENARIO (and, for some
// scenarios, MCP_CONFORMANCE_CONTEXT) set, and MCP_CONFORMANCE_PROTOCOL_VERSION in newer suites. This adds the URL as a gateway in a throwaway
// GATEKEY_HOME, signs in with `gatekey login` through the headless $BROWSER (or client
// credentials / cross-app access, from the context), starts `gatekey serve`, and talks MCP to
// http://127.0.0.1:<port>/mcp/conformance with the SDK client, which carries no credentials and
// speaks the scenario's protocol version (the stateless 2026-07-28 revision included).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const root = fileURLToPath(new URL('../..', import.meta.url));
const gatekeyBin = path.join(root, 'bin/gatekey.js');
const GATEWAY = 'conformance';
/** Sign-ins allowed for one run: the first plus step-ups; the suite checks that a client stops. */
const MAX_SIGN_INS = 3;
/** The first revision without the initialize handshake: the client is pinned to it, not probing. */
const STATELESS_PROTOCOL = '2026-07-28';

const serverUrl = process.argv.at(-1);
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');
const home = await mkdtemp(path.join(tmpdir(), 'gatekey-conformance-'));
const browser = [
  process.execPath,
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
  path.join(root, 'test/support/browser-cli.ts'),
].join(' ');
const env = { ...process.env, GATEKEY_HOME: home, NO_COLOR: '1', BROWSER: browser };

function gatekey(args, stdin = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [gatekeyBin, ...args], { env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(stdin);
  });
}

async function mustGatekey(args, stdin) {
  const { code, output } = await gatekey(args, stdin);
  process.stderr.write(`$ gatekey ${args.join(' ')}\n${output}`);
  if (code !== 0) throw new Error(`gatekey ${args[0]} exited with ${code}`);
}

/** `gatekey add` flags for what the scenario's context hands a client. */
async function addFlags() {
  switch (context.name) {
    case 'auth/pre-registration':
      return {
        flags: ['--client-id', context.client_id, '--client-secret-stdin'],
        stdin: context.client_secret,
      };
    case 'auth/client-credentials-basic':
      return {
        flags: clientCredentials('client_secret_basic', ['--client-secret-stdin']),
        stdin: context.client_secret,
      };
    case 'auth/client-credentials-jwt': {
      const keyFile = await writeSecretFile('client-key.pem', context.private_key_pem);
      return { flags: clientCredentials('private_key_jwt', ['--private-key-file', keyFile]) };
    }
    case 'auth/cross-app-access-complete-flow':
    case 'auth/enterprise-managed-authorization':
      return {
        flags: [
          '--auth',
          'cross_app',
          '--client-id',
          context.client_id,
          '--client-secret-stdin',
          '--idp-token-endpoint',
          context.idp_token_endpoint,
          '--idp-client-id',
          context.idp_client_id,
          '--id-token-file',
          await writeSecretFile('id-token', context.idp_id_token),
        ],
        stdin: context.client_secret,
      };
    default:
      // The Client ID Metadata Document URL the suite's authorization server knows.
      return {
        flags: ['--client-metadata-url', 'https://conformance-test.local/client-metadata.json'],
      };
  }
}

function clientCredentials(method, credential) {
  const flags = ['--auth', 'client_credentials', '--client-id', context.client_id];
  return [...flags, ...credential, '--token-endpoint-auth', method];
}

async function writeSecretFile(name, value) {
  const file = path.join(home, name);
  await writeFile(file, value, { mode: 0o600 });
  return file;
}

function startServe() {
  const child = spawn(process.execPath, [gatekeyBin, 'serve', '--port', '0'], { env });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const port = /serving MCP at http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)?.[1];
      if (port) resolve({ child, port: Number(port) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gatekey serve exited with ${code}:\n${output}`)));
  });
}

/**
 * A person signs in again when the IDE shows a 403 insufficient_scope (an HTTP error) or
 * Gatekey's own "run: gatekey login" (a rejected token it could not refresh).
 */
function needsSignIn(error) {
  return /\b403\b|insufficient[_ ]scope|gatekey login/i.test(String(error?.message ?? error));
}

function versionNegotiation() {
  const version = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION;
  return version && version >= STATELESS_PROTOCOL ? { mode: { pin: version } } : { mode: 'legacy' };
}

async function talkMcp(localUrl) {
  const client = new Client(
    { name: 'gatekey-conformance', version: '1.0.0' },
    { capabilities: {}, versionNegotiation: versionNegotiation() },
  );
  const transport = new StreamableHTTPClientTransport(new URL(localUrl));
  try {
    await client.connect(transport);
    await client.listTools();
    await client.callTool({ name: 'test-tool', arguments: {} });
  } finally {
    await transport.close().catch(() => {});
  }
}

let serve;
try {
  const { flags, stdin } = await addFlags();
  await mustGatekey(['add', GATEWAY, '--url', serverUrl, ...flags], stdin);
  const browserSignIn = !flags.includes('--auth');
  if (browserSignIn) await mustGatekey(['login', GATEWAY]);
  serve = await startServe();
  const localUrl = `http://127.0.0.1:${serve.port}/mcp/${GATEWAY}`;
  for (let signIns = 1; ; signIns += 1) {
    try {
      await talkMcp(localUrl);
      break;
    } catch (error) {
      if (!browserSignIn || !needsSignIn(error) || signIns >= MAX_SIGN_INS) throw error;
      process.stderr.write(`signing in again: ${error.message}\n`);
      await mustGatekey(['login', GATEWAY]);
    }
  }
} finally {
  serve?.child.kill('SIGTERM');
  await rm(home, { recursive: true, force: true });
}
