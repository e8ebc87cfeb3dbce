import { request } from 'node:http';
import { GatekeyError } from '../errors.js';
import type { InstanceRecord } from '../instance-file.js';
import { isProcessAlive, readInstanceRecord } from '../instance-file.js';
import type { ApiClient, ApiEvent, CommandName, Envelope } from './contract.js';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH } from './http-paths.js';

/** The control API of the running instance, or undefined when none runs under this home. */
export async function connectToInstance(home: string): Promise<ApiClient | undefined> {
  const record = await readInstanceRecord(home);
  if (!record || !isProcessAlive(record.pid)) return undefined;
  const client = new HttpApiClient(record);
  try {
    await client.call('app.info', {});
    return client;
  } catch (error) {
    if (error instanceof GatekeyError && error.code === 'instance_unreachable') return undefined;
    throw error;
  }
}

export class HttpApiClient implements ApiClient {
  private readonly origin: string;

  constructor(private readonly record: InstanceRecord) {
    this.origin = `http://127.0.0.1:${record.port}`;
  }

  async call<C extends CommandName>(command: C, input: unknown): Promise<never> {
    let answer: string;
    try {
      answer = await this.post(`${HTTP_API_PREFIX}${command}`, JSON.stringify(input ?? {}));
    } catch (error) {
      throw new GatekeyError(
        'instance_unreachable',
        `The running Gatekey (pid ${this.record.pid}) does not answer on port ${this.record.port}.`,
        'Restart it, or stop it and run the command again.',
        { cause: error },
      );
    }
    const envelope = JSON.parse(answer) as Envelope<never>;
    if ('error' in envelope) {
      const { code, message, hint, field } = envelope.error;
      throw new GatekeyError(code as never, message, hint, { field });
    }
    return envelope.result;
  }

  /** node:http rather than fetch: loading fetch (undici) would be a third of a cold command. */
  private post(path: string, body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.record.port,
          path,
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${this.record.secret}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
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

  subscribe(listener: (event: ApiEvent) => void): () => void {
    const controller = new AbortController();
    void this.readEvents(listener, controller.signal).catch(() => undefined);
    return () => controller.abort();
  }

  private async readEvents(
    listener: (event: ApiEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const response = await fetch(`${this.origin}${HTTP_EVENTS_PATH}`, {
      headers: { authorization: `Bearer ${this.record.secret}` },
      signal,
    });
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
}
