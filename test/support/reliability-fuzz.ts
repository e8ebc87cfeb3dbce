import { connect } from 'node:net';

/** The fuzz loops are seeded: a failing run is replayed with RELIABILITY_SEED=<seed>. */
export const FUZZ_SEED = Number(process.env.RELIABILITY_SEED ?? 20_261_122);

/** A small seeded generator (mulberry32): the same seed gives the same inputs. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[this.int(items.length)] as T;
  }

  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(256)));
  }

  /** `length` characters drawn from `alphabet`. */
  text(length: number, alphabet: string): string {
    return Array.from({ length }, () => alphabet[this.int(alphabet.length)]).join('');
  }
}

/**
 * Runs `attempt` with fresh inputs until `durationMs` is over and at least `minIterations` ran
 * (so one slow input cannot use up the whole budget); returns how many ran.
 */
export async function fuzzFor(
  { durationMs, minIterations = 0 }: { durationMs: number; minIterations?: number },
  random: Random,
  attempt: (random: Random, iteration: number) => void | Promise<void>,
): Promise<number> {
  const deadline = performance.now() + durationMs;
  let iterations = 0;
  while (performance.now() < deadline || iterations < minIterations)
    await attempt(random, iterations++);
  return iterations;
}

/** What came back for raw bytes sent to a server. */
export interface RawOutcome {
  /** The status of the final (not 1xx) response, if one arrived. */
  status?: number;
  /** Everything received, as latin1 text. */
  received: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Neither an answer nor a close came in time. */
  timedOut: boolean;
}

/**
 * Sends `chunks` on a fresh TCP connection to 127.0.0.1:`port` (waiting `gapMs` between them)
 * and collects the answer until the server closes, the first response is complete enough to
 * judge (`untilStatus`), or `timeoutMs` passes.
 */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[],
  options: { timeoutMs: number; gapMs?: number; untilStatus?: boolean },
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = (ending: { closed: boolean; timedOut: boolean }) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /(?:^|\r\n)HTTP\/1\.[01] ([2-9]\d\d)/.exec(received)?.[1];
      resolve({ received, ...ending, ...(status ? { status: Number(status) } : {}) });
    };
    const timer = setTimeout(() => finish({ closed: false, timedOut: true }), options.timeoutMs);
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (options.untilStatus && received.includes('\r\n\r\n'))
        finish({ closed: false, timedOut: false });
    });
    socket.on('close', () => finish({ closed: true, timedOut: false }));
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      for (const [index, chunk] of chunks.entries()) {
        if (index > 0 && options.gapMs)
          await new Promise((wait) => setTimeout(wait, options.gapMs));
        if (socket.destroyed) return;
        socket.write(chunk);
      }
    });
  });
}
