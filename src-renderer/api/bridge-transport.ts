import { ApiCallError } from './errors.js';
import type { RendererApi } from './renderer-api.js';
import type { CommandName, CommandOutput, GatekeyBridge } from './types.js';

/** The Electron window's transport: the preload's `window.gatekey` (IPC), always connected. */
export function createBridgeClient(bridge: GatekeyBridge): RendererApi {
  return {
    async call<C extends CommandName>(command: C, input: unknown): Promise<CommandOutput<C>> {
      const envelope = await bridge.invoke(command, input);
      if ('error' in envelope) throw new ApiCallError(envelope.error);
      return envelope.result as CommandOutput<C>;
    },
    subscribe: (listener) => bridge.onEvent(listener),
    onConnectionChange(listener) {
      listener('open');
      return () => {};
    },
  };
}
