/**
 * How the preload and the main process talk. preload.cts cannot import this file (a sandboxed
 * preload loads no local modules), so it repeats the three names; a test keeps them equal.
 */
import { COMMAND_NAMES, type ApiError, type CommandName } from '../core/api/contract.js';
import { isAppPage } from './window-security.js';

export const INVOKE_CHANNEL = 'gatekey:invoke';
export const EVENT_CHANNEL = 'gatekey:event';
/** Passed to the renderer through `additionalArguments`, so the preload knows the command table. */
export const COMMANDS_ARGUMENT = '--gatekey-commands=';

export const commandsArgument = () => `${COMMANDS_ARGUMENT}${COMMAND_NAMES.join(',')}`;

const isCommandName = (value: unknown): value is CommandName =>
  COMMAND_NAMES.some((name) => name === value);

export type InvokeCheck = { ok: true; command: CommandName } | { ok: false; error: ApiError };

/** An IPC call reaches the core only from the app's own page and only for a known command. */
export function checkInvoke(senderFrameUrl: string | undefined, command: unknown): InvokeCheck {
  if (!isAppPage(senderFrameUrl))
    return {
      ok: false,
      error: {
        code: 'unauthorized',
        message: 'Expected a call from the Gatekey window; this one came from another page.',
        hint: 'Only the Gatekey window may call the core.',
      },
    };
  if (!isCommandName(command))
    return {
      ok: false,
      error: {
        code: 'invalid_input',
        message: `Expected one of the Gatekey commands (${COMMAND_NAMES.join(', ')}); got ${JSON.stringify(String(command)).slice(0, 60)}.`,
      },
    };
  return { ok: true, command };
}
