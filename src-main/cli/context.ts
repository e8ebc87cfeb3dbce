import { resolveHome } from '../core/paths.js';
import { connectToInstance } from '../core/api/http-client.js';
import type {
  ApiClient,
  ApiEvent,
  CommandInput,
  CommandName,
  CommandOutput,
} from '../core/api/contract.js';
import type { Core } from '../core/core.js';
import { stdioCommand, version } from './package-root.js';

export interface GlobalOptions {
  home?: string;
  insecureFileStore?: boolean;
  json?: boolean;
}

export interface Session {
  readonly api: ApiClient;
  readonly home: string;
  /** Whether commands go to a running instance (tray app or `gatekey serve`) or run here. */
  readonly mode: 'instance' | 'in-process';
  /** Subscribes to events; resolves once they flow, so none sent after it is missed. */
  listen(listener: (event: ApiEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

/**
 * Talks to the running instance when there is one (it owns the tokens), else runs the core in
 * this process: so two processes never refresh the same refresh token.
 */
async function openSession(globals: GlobalOptions): Promise<Session> {
  const home = resolveHome(globals.home);
  const remote = await connectToInstance(home);
  if (remote) {
    return {
      api: remote,
      home,
      mode: 'instance',
      listen: (listener) => remote.listen(listener),
      close: async () => undefined,
    };
  }
  const core = await openCore(home, globals);
  await core.tokens.start();
  const api = inProcessClient(core);
  return {
    api,
    home,
    mode: 'in-process',
    listen: async (listener) => api.subscribe(listener),
    close: () => core.tokens.stop(),
  };
}

/** Runs `work` with a session and always closes it. */
export async function withSession<T>(
  globals: GlobalOptions,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(globals);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** The core is loaded only here: with an instance running, a command needs none of it. */
async function openCore(home: string, globals: GlobalOptions): Promise<Core> {
  const { createCore } = await import('../core/core.js');
  const core: Core = createCore({
    home,
    version,
    port: () => core.store.settings().port,
    insecureFileStore: globals.insecureFileStore,
    onWarning: (message) => process.stderr.write(`gatekey: ${message}\n`),
    stdioCommand,
  });
  return core;
}

function inProcessClient(core: Core): ApiClient {
  return {
    call: <C extends CommandName>(command: C, input: CommandInput<C>) =>
      core.api.invoke(command, input) as Promise<CommandOutput<C>>,
    subscribe: (listener) => core.api.subscribe(listener),
  };
}
