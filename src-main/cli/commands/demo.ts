import type { Command } from '../command.js';

export const demo: Command = {
  name: 'demo',
  summary: 'embedded IdP + demo MCP server + proxy, ready to use',
  usage: 'gatekey demo [--port N] [--browser]',
  help:
    'Starts everything on loopback, signs in, makes a real tool call through the proxy, then stays up.\n' +
    '--browser also signs in to demo-browser through your browser (PKCE). Without --home the demo\n' +
    'uses a throwaway profile, so your own gateways are untouched.',
  options: { port: { type: 'string' }, browser: { type: 'boolean' } },
  async run(context) {
    const { runDemo } = await import('./demo-run.js');
    return runDemo(context);
  },
};
