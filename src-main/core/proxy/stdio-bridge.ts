import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import {
  ErrorCode,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import { PROXY_ERROR_CODE } from './jsonrpc.js';

export interface StdioBridgeOptions {
  /** The proxy URL of one gateway, e.g. http://127.0.0.1:7421/mcp/github. */
  url: string;
  input: Readable;
  output: Writable;
  signal?: AbortSignal;
}

function errorAnswer(id: RequestId | null, code: number, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code, message } } as JSONRPCMessage;
}

/**
 * Why a request could not be delivered: the proxy's own JSON-RPC error message when the SDK's
 * error carries the proxy's answer (`Error POSTing to endpoint: {…}`), else the error itself.
 */
function failureMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  try {
    const answer: unknown = JSON.parse(text.slice(text.indexOf('{')));
    const message = (answer as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not the proxy's answer: the error says enough.
  }
  return text;
}

/** Requests sent upstream and not yet answered, so that stdin EOF can wait for their answers. */
class InFlight {
  private readonly methods = new Map<RequestId, string>();
  private onEmpty?: () => void;

  add(id: RequestId, method: string): void {
    this.methods.set(id, method);
  }

  /** Forgets `id` and returns the method it was sent with. */
  settle(id: RequestId): string | undefined {
    const method = this.methods.get(id);
    this.methods.delete(id);
    if (this.methods.size === 0) this.onEmpty?.();
    return method;
  }

  drained(signal?: AbortSignal): Promise<void> {
    if (this.methods.size === 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.onEmpty = resolve;
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

/**
 * `gatekey stdio`: newline-delimited JSON-RPC on `input`/`output` for clients that only speak
 * stdio, carried to the proxy over Streamable HTTP (server-initiated messages included). On
 * input EOF it waits for the answers still due, ends the session and returns.
 */
export async function runStdioBridge({
  url,
  input,
  output,
  signal,
}: StdioBridgeOptions): Promise<void> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const inFlight = new InFlight();
  const write = (message: JSONRPCMessage): void => void output.write(serializeMessage(message));
  /**
   * A client may write `initialize` and what follows at once; the session id and protocol
   * version come with the answer to `initialize`, so what follows waits for it, in order.
   */
  let initialized: Promise<void> = Promise.resolve();
  const initializeAnswered = new Map<RequestId, () => void>();
  const settle = (id: RequestId): string | undefined => {
    initializeAnswered.get(id)?.();
    initializeAnswered.delete(id);
    return inFlight.settle(id);
  };

  transport.onmessage = (message) => {
    const isAnswer = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    if (isAnswer && message.id !== undefined) {
      const method = settle(message.id);
      if (method === 'initialize' && 'result' in message)
        transport.setProtocolVersion(String(message.result.protocolVersion));
    }
    write(message);
  };
  // Failed sends are answered per request below; the standalone GET stream reconnects itself.
  transport.onerror = () => {};
  await transport.start();

  const forward = async (message: JSONRPCMessage): Promise<void> => {
    const turn = initialized;
    if (isJSONRPCRequest(message)) {
      inFlight.add(message.id, message.method);
      if (message.method === 'initialize')
        initialized = new Promise((resolve) => initializeAnswered.set(message.id, resolve));
    }
    await turn;
    try {
      await transport.send(message);
    } catch (error) {
      if (!isJSONRPCRequest(message)) return;
      settle(message.id);
      write(errorAnswer(message.id, PROXY_ERROR_CODE, failureMessage(error)));
    }
  };

  const lines = createInterface({ input, crlfDelay: Infinity });
  signal?.addEventListener('abort', () => lines.close(), { once: true });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(line);
    } catch {
      write(
        errorAnswer(null, ErrorCode.ParseError, `Not a JSON-RPC message: ${line.slice(0, 80)}`),
      );
      continue;
    }
    void forward(message);
  }
  await inFlight.drained(signal);
  await transport.terminateSession().catch(() => {});
  await transport.close();
}
