import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-main/core/api/contract.js';
import { KeychainSecretStore } from '../../src-main/core/secrets/index.js';
import { startDemoMcpServer, type RunningMcpServer } from '../../src-main/demo/mcp-server.js';
import { filesContaining, runGatekey } from '../support/cli.js';
import { startPrivateKeyring, type PrivateKeyring } from '../support/reliability-keyring.js';
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

let keyring: PrivateKeyring;
let rig: Rig;
let strict: RunningMcpServer;

beforeAll(async () => {
  keyring = await startPrivateKeyring();
  keyring.useInThisProcess();
  rig = await startRig({ tokenTtlSeconds: TOKEN_TTL_SECONDS });
  strict = await startDemoMcpServer({
    issuer: rig.idp.issuer,
    audience: 'https://another-api.example',
  });
});

afterAll(async () => {
  await strict?.close();
  await rig?.close();
  await keyring?.stop();
});

/** Every token and secret the test saw issued, from the API, the keychain and the IdP's clients. */
class SecretHarvest {
  readonly values = new Set<string>();

  constructor(private readonly rig: Rig) {
    for (const client of Object.values(rig.idp.clients))
      if (client.clientSecret) this.values.add(client.clientSecret);
  }

  async collect(names: string[]): Promise<void> {
    const keychain = new KeychainSecretStore(this.rig.home);
    for (const name of names) {
      const stored = await keychain.read(name);
      const held = await this.rig.instance.tokens.currentTokens(name);
      for (const tokens of [stored?.tokens, held]) {
        for (const value of [tokens?.accessToken, tokens?.refreshToken, tokens?.idToken])
          if (value) this.values.add(value);
      }
      if (stored?.clientSecret) this.values.add(stored.clientSecret);
      if (stored?.registration?.clientSecret) this.values.add(stored.registration.clientSecret);
    }
  }

  /** The texts that contain any of the harvested values. */
  leaksIn(texts: string[]): string[] {
    return texts.filter((text) => [...this.values].some((value) => text.includes(value)));
  }
}

describe('secrets never leak', () => {
  it('after sign-ins, a proxy session with refreshes, and errors: in no file, log, message or output', async () => {
    const events: string[] = [];
    rig.instance.api.subscribe((event: ApiEvent) => events.push(JSON.stringify(event)));
    const names = ['work', 'robot'];
    const harvest = new SecretHarvest(rig);
    const seen: string[] = [];
    const note = (value: unknown) =>
      seen.push(typeof value === 'string' ? value : JSON.stringify(value));
    const failure = (promise: Promise<unknown>) =>
      promise.then(note, (error: Error) => note(`${error.message} ${JSON.stringify(error)}`));

    await rig.addSignedInGateway('work');
    await rig.addMachineGateway('robot');
    await rig.instance.api.invoke('gateways.add', {
      gateway: {
        name: 'strict',
        url: strict.url,
        auth: 'client_credentials',
        issuer: rig.idp.issuer,
        clientId: rig.idp.clients.confidentialBasic.clientId,
      },
      clientSecret: rig.idp.clients.confidentialBasic.clientSecret,
    });
    const ides = await Promise.all(names.map((name) => rig.connect(name)));

    const sessionEnds = Date.now() + SESSION_MS;
    while (Date.now() < sessionEnds) {
      for (const ide of ides) {
        note(await echo(ide, 'hello'));
        note(await ide.callTool({ name: 'whoami', arguments: {} }));
        note(
          await ide
            .callTool({ name: 'admin_action', arguments: {} })
            .catch((error: Error) => error.message),
        );
      }
      note(await countWithProgress(ides[0]!, 3, 10));
      await harvest.collect(names);
      await delay(200);
    }
    for (const name of names)
      harvest.values.add((await rig.instance.api.invoke('tokens.get', { name })).token);
    note(await rig.instance.api.invoke('tokens.inspect', { name: 'work' }));
    note(await proxyError(rig.localUrl('strict')));
    note(await proxyError(rig.localUrl('nowhere')));
    await failure(
      rig.instance.api.invoke('gateways.add', {
        gateway: { name: 'Bad', url: 'x' },
        clientSecret: 'never-stored-secret-123',
      }),
    );
    await rig.idp.revokeRefreshTokens();
    await failure(rig.instance.api.invoke('auth.refresh', { name: 'work' }));
    note(await proxyError(rig.localUrl('work')));
    await harvest.collect(names);

    const cli = await Promise.all(
      [
        ['list', '--json'],
        ['log', '--json'],
        ['inspect', 'work', '--json'],
        ['inspect', 'robot'],
        ['login', 'nowhere'],
      ].map((args) => runGatekey(args, { home: rig.home, env: keyring.env })),
    );
    const outputs = cli.map((result) => result.stdout + result.stderr);
    const log = JSON.stringify(await rig.instance.api.invoke('log.recent', {}));

    expect(harvest.values.size).toBeGreaterThanOrEqual(8);
    const files = await filesContaining(rig.home, [...harvest.values, 'never-stored-secret-123']);
    const texts = [...seen, ...events, ...outputs, log];
    const leaks = harvest.leaksIn(texts);
    expect(files).toEqual([]);
    expect(leaks.map((text) => text.slice(0, 200))).toEqual([]);
    report('secrets-leak-search', {
      secretsSearchedFor: harvest.values.size + 1,
      textsSearched: texts.length,
      filesLeaking: files.length,
      textsLeaking: leaks.length,
    });
  });
});
