import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runGatekey, temporaryHome } from '../support/cli.js';
import { startServe, type ServeProcess } from '../support/reliability-process.js';
import { temporaryDirectory } from '../support/temporary.js';

const TRACE_HOOK = path.resolve(import.meta.dirname, '../support/module-trace.mjs');

/** Packages no plain command needs: the demo's IdP, the UI, the MCP SDK, OAuth and JOSE. */
const HEAVY = ['oidc-provider', 'react', '@modelcontextprotocol/sdk', 'openid-client', 'jose'];

/** The packages under node_modules that `gatekey args` loaded, and whether it succeeded. */
async function packagesLoadedBy(args: string[], home: string) {
  const trace = path.join(await temporaryDirectory('gatekey-trace'), 'modules.txt');
  const result = await runGatekey(args, {
    home,
    env: { NODE_OPTIONS: `--import=${TRACE_HOOK}`, GATEKEY_MODULE_TRACE: trace },
  });
  const urls = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
  const packages = new Set(
    urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []),
  );
  return { result, urls, packages };
}

describe('a cold command loads only what it needs', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });

  it('gatekey list with an instance running: no zod, no core, none of the heavy packages', async () => {
    const home = await temporaryHome();
    serve = await startServe({ home });
    const { result, urls, packages } = await packagesLoadedBy(['list'], home);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('No gateways yet');
    expect(urls.some((url) => url.endsWith('/cli/commands/gateways.ts'))).toBe(true);
    expect([...packages].filter((name) => name === 'zod' || HEAVY.includes(name))).toEqual([]);
    expect(
      urls.filter((url) => /\/core\/(core\.ts|instance\.ts|tokens\/|oauth\/)/.test(url)),
    ).toEqual([]);
  });

  it('gatekey list without an instance runs the core, still without the demo, UI or MCP SDK', async () => {
    const home = await temporaryHome();
    const { result, urls, packages } = await packagesLoadedBy(['list', '--json'], home);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(urls.some((url) => url.endsWith('/core/core.ts'))).toBe(true);
    expect(
      [...packages].filter((name) =>
        ['oidc-provider', 'react', '@modelcontextprotocol/sdk'].includes(name),
      ),
    ).toEqual([]);
  });
});
