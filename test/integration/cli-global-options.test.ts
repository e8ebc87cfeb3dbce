import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGatekey, temporaryHome } from '../support/cli.js';

describe('global options go anywhere on the command line', () => {
  it('takes --home and --json before the command, after it, or between its arguments', async () => {
    const envHome = await temporaryHome();
    const home = path.join(await temporaryHome(), 'profile');
    const added = await runGatekey(
      ['--home', home, 'add', 'probe', '--url', 'http://127.0.0.1:9/mcp', '--auth', 'none'],
      { home: envHome },
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);

    for (const args of [
      ['--json', '--home', home, 'list'],
      ['--home', home, 'list', '--json'],
      ['list', '--json', '--home', home],
      [`--home=${home}`, '--json', 'list'],
    ]) {
      const listed = await runGatekey(args, { home: envHome });
      expect(listed.code, `gatekey ${args.join(' ')}: ${listed.stderr}`).toBe(0);
      expect(
        (JSON.parse(listed.stdout) as { gateway: { name: string } }[]).map(
          (row) => row.gateway.name,
        ),
      ).toEqual(['probe']);
    }

    // The profile in GATEKEY_HOME was never touched: --home won.
    const other = await runGatekey(['--json', 'list'], { home: envHome });
    expect(JSON.parse(other.stdout)).toEqual([]);

    const inspected = await runGatekey(['--home', home, 'inspect', 'probe'], { home: envHome });
    expect(inspected.stderr).not.toContain('Unknown command');
    expect(inspected.stderr).toContain('probe');
  }, 300_000);

  it('still names an unknown command, wherever the global options are', async () => {
    const home = await temporaryHome();
    const result = await runGatekey(['--home', home, '--json', 'lsit'], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown command "lsit"');
  });
});
