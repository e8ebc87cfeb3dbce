import { connectToInstance } from '../../core/api/http-client.js';
import { GatekeyError } from '../../core/errors.js';
import { resolveHome } from '../../core/paths.js';
import { openBrowser } from '../browser.js';
import type { Command } from '../command.js';
import { info, print, printJson } from '../output.js';

export const dashboard: Command = {
  name: 'dashboard',
  summary: 'open the browser dashboard of the running Gatekey (a new one-time link)',
  usage: 'gatekey dashboard [--no-open]',
  help:
    'Asks the running `gatekey serve --ui` for a new one-time link (it works once, within 60 s),\n' +
    'opens it with $BROWSER or the system browser, and prints it. --no-open only prints it.\n' +
    'Nothing restarts: IDEs stay connected. For a second tab, or after Lock.',
  options: { 'no-open': { type: 'boolean' } },
  async run({ values, globals }) {
    const home = resolveHome(globals.home);
    // The instance proves it holds the recorded secret before anything is sent to it.
    const instance = await connectToInstance(home);
    if (!instance) {
      const homeFlag = globals.home === undefined ? '' : ` --home ${globals.home}`;
      throw new GatekeyError(
        'instance_unreachable',
        `No Gatekey is running for ${home}, so there is no dashboard to open.`,
        `Start it with the dashboard (it prints a first link): gatekey${homeFlag} serve --ui`,
      );
    }
    const link = await instance.call('dashboard.link', {});
    if (globals.json) return printJson(link);
    print(link.url);
    info('This link opens the dashboard once, within 60 s.');
    if (!values['no-open']) await openBrowser(link.url);
  },
};
