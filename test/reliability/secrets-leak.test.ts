import { readdir } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInstanceRecord } from '../../src-main/core/instance-file.js';
import { KeychainSecretStore } from '../../src-main/core/secrets/index.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { filesContaining, runGatekey } from '../support/cli.js';
import {
  countWithProgress,
  echo,
  proxyError,
  report,
  startRig,
  type Rig,
} from '../support/reliability-rig.js';

/** Short, so that the session sees several refreshes and refresh-token rotations. */
const TOKEN_TTL_SECONDS = 3;
const SESSION_MS = 5000;
const GATEWAYS = ['work', 'robot'];
/** Offered with an invalid gateway: it must not be stored anywhere. */
const REFUSED_SECRET = 'refused-client-secret-0123';

let rig: Rig;
let strict: RunningMcpServer;

beforeAll(async () => {
  rig = await startRig({ tokenTtlSeconds: TOKEN_TTL_SECONDS });
  strict = await startDemoMcpServer({
    issuer: rig.idp.issuer,
    audience: 'https://another-api.example',
  });
});

afterAll(async () => {
  await strict?.close();
  await rig?.close();
});

/** Every token and secret issued during the test: from the IdP's clients, the API and the keychain. */
class SecretHarvest {
  readonly values = new Set<string>([REFUSED_SECRET]);

  constructor() {
    for (const client of Object.values(rig.idp.clients))
      if (client.clientSecret) this.values.add(client.clientSecret);
  }

  async collect(): Promise<void> {
    const keychain = new KeychainSecretStore(rig.home);
    for (const name of GATEWAYS) {
      const stored = await keychain.read(name);
      const held = await rig.instance.tokens.currentTokens(name);
      const { token } = await rig.instance.api.invoke('tokens.get', { name });
      this.add(token, stored?.clientSecret, stored?.registration?.clientSecret);
      for (const tokens of [stored?.tokens, held])
        this.add(tokens?.accessToken, tokens?.refreshToken, tokens?.idToken);
    }
  }

  /** The texts that contain any of the harvested values. */
  leaksIn(texts: string[]): string[] {
    return texts.filter((text) => [...this.values].some((value) => text.includes(value)));
  }

  private add(...values: (string | undefined)[]): void {
    for (const value of values) if (value) this.values.add(value);
  }
}

/** Everything Gatekey said to anyone during the test, as text. */
class Transcript {
  readonly texts: string[] = [];

  note(value: unknown): void {
    this.texts.push(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Notes what the call answered, or the error it threw (message, hint and all). */
  async outcomeOf(call: Promise<unknown>): Promise<void> {
    await call.then(
      (value) => this.note(value),
      (error: Error) => this.note(`${error.message} ${JSON.stringify(error)}`),
    );
  }
}

/** IDEs calling tools (streaming too) across several token refreshes. */
async function workThroughRefreshes(transcript: Transcript, harvest: SecretHarvest) {
  const ides: Client[] = await Promise.all(GATEWAYS.map((name) => rig.connect(name)));
  const sessionEnds = Date.now() + SESSION_MS;
  while (Date.now() < sessionEnds) {
    for (const ide of ides) {
      await transcript.outcomeOf(echo(ide, 'hello'));
      await transcript.outcomeOf(ide.callTool({ name: 'whoami', arguments: {} }));
      await transcript.outcomeOf(ide.callTool({ name: 'admin_action', arguments: {} }));
    }
    await transcript.outcomeOf(countWithProgress(ides[0]!, 3, 10));
    await harvest.collect();
    await delay(200);
  }
}

/** A rejected token, an unknown gateway, a refused secret, a dead refresh token. */
async function provokeErrors(transcript: Transcript, harvest: SecretHarvest) {
  await transcript.outcomeOf(rig.instance.api.invoke('tokens.inspect', { name: 'work' }));
  await transcript.outcomeOf(proxyError(rig.localUrl('strict')));
  await transcript.outcomeOf(proxyError(rig.localUrl('nowhere')));
  const invalid = { gateway: { name: 'Bad', url: 'x' }, clientSecret: REFUSED_SECRET };
  await transcript.outcomeOf(rig.instance.api.invoke('gateways.add', invalid));
  await harvest.collect();
  await rig.idp.revokeRefreshTokens();
  await transcript.outcomeOf(rig.instance.api.invoke('auth.refresh', { name: 'work' }));
  await transcript.outcomeOf(proxyError(rig.localUrl('work')));
}

/** What the CLI prints about it all, human and --json. */
async function askTheCommandLine(transcript: Transcript) {
  const commands = [
    ['list', '--json'],
    ['log', '--json'],
    ['inspect', 'work', '--json'],
    ['inspect', 'robot'],
    ['login', 'nowhere'],
  ];
  const results = await Promise.all(
    commands.map((args) => runGatekey(args, { home: rig.home, env: rig.keyring.env })),
  );
  for (const { stdout, stderr } of results) transcript.note(stdout + stderr);
}

describe('secrets never leak', () => {
  it('after sign-ins, a proxy session with refreshes, and errors: in no file, log, message or output', async () => {
    const harvest = new SecretHarvest();
    const transcript = new Transcript();
    rig.instance.api.subscribe((event) => transcript.note(event));
    await rig.addSignedInGateway('work');
    await rig.addMachineGateway('robot');
    const client = rig.idp.clients.confidentialBasic;
    await rig.instance.api.invoke('gateways.add', {
      gateway: {
        name: 'strict',
        url: strict.url,
        auth: 'client_credentials',
        issuer: rig.idp.issuer,
        clientId: client.clientId,
      },
      clientSecret: client.clientSecret,
    });

    await workThroughRefreshes(transcript, harvest);
    await provokeErrors(transcript, harvest);
    await askTheCommandLine(transcript);
    transcript.note(await rig.instance.api.invoke('log.recent', {}));

    const { secret: controlSecret } = (await readInstanceRecord(rig.home))!;
    const files = await filesContaining(rig.home, [...harvest.values]);
    const leaks = harvest.leaksIn(transcript.texts);
    const controlSecretShown = transcript.texts.filter((text) => text.includes(controlSecret));
    expect(harvest.values.size).toBeGreaterThanOrEqual(10);
    expect(files).toEqual([]);
    expect(leaks.map((text) => text.slice(0, 200))).toEqual([]);
    expect(controlSecretShown).toEqual([]);
    report('secrets-leak-search', {
      secretsSearchedFor: harvest.values.size + 1,
      textsSearched: transcript.texts.length,
      filesSearched: (await readdir(rig.home, { recursive: true })).length,
      filesLeaking: files.length,
      textsLeaking: leaks.length + controlSecretShown.length,
    });
  });
});
