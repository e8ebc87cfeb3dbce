import { randomBytes, timingSafeEqual } from 'node:crypto';
import { request } from 'node:http';
import { GatekeyError } from '../errors.js';
import type { InstanceRecord } from '../instance-file.js';
import {
  instanceFile,
  instanceProof,
  isProcessAlive,
  readInstanceRecord,
} from '../instance-file.js';
import type {
  ApiClient,
  ApiEvent,
  CommandInput,
  CommandName,
  CommandOutput,
  Envelope,
} from './contract.js';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, INSTANCE_PROOF_PATH } from './http-paths.js';

/** Generous: a loaded machine can be slow, and a wait costs nothing secret. */
const PROOF_TIMEOUT_MS = 20_000;

export type InstanceCheck = 'proven' | 'not-running' | 'silent' | 'impostor';

/**
 * Whether the recorded instance is really there: its process alive, and whatever listens on its
 * port able to prove that it holds the record's secret (an HMAC of a fresh nonce). Nothing secret
 * is sent to find out. After a crash the pid and the port may belong to other programs.
 */
export async function checkInstance(record: InstanceRecord): Promise<InstanceCheck> {
  if (!isProcessAlive(record.pid)) return 'not-running';
  const nonce = randomBytes(32).toString('base64url');
  let answer: string;
  try {
    answer = await post(record.port, INSTANCE_PROOF_PATH, JSON.stringify({ nonce }), {
      timeoutMs: PROOF_TIMEOUT_MS,
    });
  } catch (error) {
    if (isTimeout(error)) return 'silent';
    return (error as { code?: string }).code === 'ECONNREFUSED' ? 'not-running' : 'impostor';
  }
  const proof = parseJson<{ result?: { proof?: unknown } }>(answer)?.result?.proof;
  const expected = Buffer.from(instanceProof(record.secret, nonce));
  return typeof proof === 'string' &&
    Buffer.byteLength(proof) === expected.length &&
    timingSafeEqual(Buffer.from(proof), expected)
    ? 'proven'
    : 'impostor';
}

/**
 * The control API of the running instance, or undefined when none runs under this home. Throws
 * when the recorded port is held by a program that cannot prove it is that instance.
 */
export async function connectToInstance(home: string): Promise<HttpApiClient | undefined> {
  const record = await readInstanceRecord(home);
  if (!record) return undefined;
  const check = await checkInstance(record);
  if (check === 'not-running') return undefined;
  if (check === 'silent')
    throw new GatekeyError(
      'instance_unreachable',
      `The Gatekey recorded in ${instanceFile(home)} (pid ${record.pid}, port ${record.port}) did not answer within ${PROOF_TIMEOUT_MS / 1000} s; nothing was sent to it.`,
      'Run the command again; if it keeps happening, restart Gatekey.',
    );
  if (check === 'impostor')
    throw new GatekeyError(
      'instance_unverified',
      `Port ${record.port} is held by a program that could not prove it is the Gatekey recorded in ${instanceFile(home)} (pid ${record.pid}); nothing was sent to it.`,
      `If Gatekey is not running, delete that file (rm ${instanceFile(home)}); else find what listens on the port (ss -ltnp 'sport = :${record.port}') and stop it.`,
    );
  const client = new HttpApiClient(record);
  try {
    await client.call('app.info', {});
    return client;
  } catch (error) {
    if (error instanceof GatekeyError && error.code === 'instance_unreachable') return undefined;
    throw error;
  }
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** node:http reports an aborted request as an AbortError caused by the signal's TimeoutError. */
function isTimeout(error: unknown): boolean {
  const { name, cause } = error as { name?: string; cause?: { name?: string } };
  return name === 'TimeoutError' || cause?.name === 'TimeoutError';
}

/**
 * POSTs JSON to the instance on loopback and resolves to the answer's body, whatever its status.
 * node:http rather than fetch: loading fetch (undici) would be a third of a cold command's time.
 */
function post(
  port: number,
  path: string,
  body: string,
  options: { authorization?: string; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(options.authorization ? { authorization: options.authorization } : {}),
        },
        ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export class HttpApiClient implements ApiClient {
  private readonly origin: string;

  constructor(private readonly record: InstanceRecord) {
    this.origin = `http://127.0.0.1:${record.port}`;
  }

  async call<C extends CommandName>(command: C, input: CommandInput<C>): Promise<CommandOutput<C>> {
    let answer: string;
    try {
      answer = await post(
        this.record.port,
        `${HTTP_API_PREFIX}${command}`,
        JSON.stringify(input ?? {}),
        {
          authorization: `Bearer ${this.record.secret}`,
        },
      );
    } catch (error) {
      throw new GatekeyError(
        'instance_unreachable',
        `The running Gatekey (pid ${this.record.pid}) does not answer on port ${this.record.port}.`,
        'Restart it, or stop it and run the command again.',
        { cause: error },
      );
    }
    const envelope = JSON.parse(answer) as Envelope<CommandOutput<C>>;
    if ('error' in envelope) {
      const { code, message, hint, field } = envelope.error;
      throw new GatekeyError(code as never, message, hint, { field });
    }
    return envelope.result;
  }

  subscribe(listener: (event: ApiEvent) => void): () => void {
    const controller = new AbortController();
    void this.openEvents(controller.signal)
      .then((response) => readEvents(response, listener))
      .catch(() => undefined);
    return () => controller.abort();
  }

  /** Like subscribe, but resolves only once the instance streams its events to `listener`. */
  async listen(listener: (event: ApiEvent) => void): Promise<() => void> {
    const controller = new AbortController();
    const response = await this.openEvents(controller.signal);
    void readEvents(response, listener).catch(() => undefined);
    return () => controller.abort();
  }

  /** The instance subscribes before it sends the headers, so a response means events flow. */
  private openEvents(signal: AbortSignal): Promise<Response> {
    return fetch(`${this.origin}${HTTP_EVENTS_PATH}`, {
      headers: { authorization: `Bearer ${this.record.secret}` },
      signal,
    });
  }
}

async function readEvents(response: Response, listener: (event: ApiEvent) => void): Promise<void> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) listener(JSON.parse(data) as ApiEvent);
    }
  }
}
