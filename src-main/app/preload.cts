/**
 * Sandboxed preload (CommonJS, no local imports): exposes `window.gatekey`, the GatekeyBridge, and
 * nothing else. The names below mirror ipc-contract.ts; a unit test keeps them equal.
 */
// verbatimModuleSyntax allows only this import form in a CommonJS (.cts) file.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');
import type { ApiEvent, CommandName, Envelope, GatekeyBridge } from '../core/api/contract.js';

const INVOKE_CHANNEL = 'gatekey:invoke';
const EVENT_CHANNEL = 'gatekey:event';
const COMMANDS_ARGUMENT = '--gatekey-commands=';

const { contextBridge, ipcRenderer } = electron;

const commands = new Set(
  process.argv
    .find((arg) => arg.startsWith(COMMANDS_ARGUMENT))
    ?.slice(COMMANDS_ARGUMENT.length)
    .split(',') ?? [],
);

const unknownCommand = (command: unknown): Envelope<unknown> => ({
  error: {
    code: 'invalid_input',
    message: `Expected a Gatekey command; "${String(command).slice(0, 40)}" is not one.`,
  },
});

const bridge: GatekeyBridge = {
  invoke(command: CommandName, input: unknown): Promise<Envelope<unknown>> {
    if (!commands.has(command)) return Promise.resolve(unknownCommand(command));
    return ipcRenderer.invoke(INVOKE_CHANNEL, command, input);
  },
  onEvent(listener: (event: ApiEvent) => void): () => void {
    const forward = (_event: Electron.IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('gatekey', bridge);
