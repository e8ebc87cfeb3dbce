import { ipcMain } from 'electron';
import type { Envelope } from '../core/api/contract.js';
import { checkInvoke, INVOKE_CHANNEL } from './ipc-contract.js';

/** What IPC needs from the core's command table. */
export interface CommandRunner {
  call(command: string, input: unknown): Promise<Envelope<unknown>>;
}

/**
 * The Electron transport of the command table: `window.gatekey.invoke` lands here. Returns the
 * function that removes the handler.
 */
export function serveCommandsOverIpc(api: CommandRunner): () => void {
  ipcMain.handle(INVOKE_CHANNEL, (event, command: unknown, input: unknown) => {
    const check = checkInvoke(event.senderFrame?.url, command);
    return check.ok ? api.call(check.command, input) : { error: check.error };
  });
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}
