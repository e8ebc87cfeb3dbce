import type { GatekeyError } from '../errors.js';
import { describeError } from '../errors.js';
import type { LocalResponse } from './local-http.js';

/** JSON-RPC error code for every answer the proxy gives in the upstream's place. */
export const PROXY_ERROR_CODE = -32050;

type RpcId = string | number;

/** What the log and error answers need from a request body: read only from small bodies. */
export interface RpcSummary {
  method?: string;
  toolName?: string;
  /** Present when the body is one JSON-RPC request that expects an answer. */
  requestId?: RpcId;
}

const NOT_RPC: RpcSummary = {};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRpcId(value: unknown): value is RpcId {
  return typeof value === 'string' || typeof value === 'number';
}

export function summarizeRpc(body: Buffer): RpcSummary {
  let message: unknown;
  try {
    message = JSON.parse(body.toString('utf8'));
  } catch {
    return NOT_RPC;
  }
  if (!isRecord(message) || typeof message.method !== 'string') return NOT_RPC;
  const toolName =
    message.method === 'tools/call' && isRecord(message.params) ? message.params.name : undefined;
  return {
    method: message.method,
    ...(typeof toolName === 'string' ? { toolName } : {}),
    ...(isRpcId(message.id) ? { requestId: message.id } : {}),
  };
}

export function rpcErrorBody(error: GatekeyError, gateway: string | undefined, id?: RpcId): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: id ?? null,
    error: {
      code: PROXY_ERROR_CODE,
      message: describeError(error),
      data: { code: error.code, ...(gateway === undefined ? {} : { gateway }) },
    },
  });
}

export function sendJson(
  res: LocalResponse,
  status: number,
  body: string,
  extraHeaders: readonly string[] = [],
): void {
  res.writeHead(status, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'Cache-Control',
    'no-store',
    ...extraHeaders,
  ]);
  res.end(body);
}
