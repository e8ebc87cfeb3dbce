import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { debounce } from '../../src-main/app/debounce.js';
import { revalidateOnWake, WAKE_EVENTS } from '../../src-main/app/system-events.js';

const DELAY_MS = 30;
/** Long enough for a debounced run to have happened, short enough to keep the suite fast. */
const SETTLE_MS = DELAY_MS * 5;

/** powerMonitor's role, played by a plain emitter: the code under test only listens. */
function wakeSource() {
  return new EventEmitter<Record<(typeof WAKE_EVENTS)[number], []>>();
}

function counter() {
  const calls: number[] = [];
  return {
    calls,
    revalidate: async () => {
      calls.push(Date.now());
    },
  };
}

const fail = (error: unknown) => {
  throw error;
};

describe('revalidation on wake-up', () => {
  it('revalidates once for a burst of resume and unlock events', async () => {
    const source = wakeSource();
    const { calls, revalidate } = counter();
    const stop = revalidateOnWake(source, revalidate, { delayMs: DELAY_MS, onError: fail });
    for (let i = 0; i < 5; i++) {
      source.emit('resume');
      source.emit('unlock-screen');
    }
    expect(calls).toHaveLength(0);
    await sleep(SETTLE_MS);
    expect(calls).toHaveLength(1);
    stop();
  });

  it('revalidates again for a later, separate wake-up', async () => {
    const source = wakeSource();
    const { calls, revalidate } = counter();
    const stop = revalidateOnWake(source, revalidate, { delayMs: DELAY_MS, onError: fail });
    source.emit('resume');
    await sleep(SETTLE_MS);
    source.emit('unlock-screen');
    await sleep(SETTLE_MS);
    expect(calls).toHaveLength(2);
    stop();
  });

  it('stops listening, and drops a pending revalidation, when stopped', async () => {
    const source = wakeSource();
    const { calls, revalidate } = counter();
    const stop = revalidateOnWake(source, revalidate, { delayMs: DELAY_MS, onError: fail });
    source.emit('resume');
    stop();
    source.emit('unlock-screen');
    await sleep(SETTLE_MS);
    expect(calls).toHaveLength(0);
    for (const event of WAKE_EVENTS) expect(source.listenerCount(event)).toBe(0);
  });

  it('reports a failed revalidation and keeps listening', async () => {
    const source = wakeSource();
    const errors: unknown[] = [];
    let attempts = 0;
    const stop = revalidateOnWake(
      source,
      async () => {
        attempts++;
        throw new Error('IdP unreachable');
      },
      { delayMs: DELAY_MS, onError: (error) => errors.push(error) },
    );
    source.emit('resume');
    await sleep(SETTLE_MS);
    source.emit('resume');
    await sleep(SETTLE_MS);
    expect(attempts).toBe(2);
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'IdP unreachable',
      'IdP unreachable',
    ]);
    stop();
  });
});

describe('debounce', () => {
  it('never runs the task twice at once: a trigger during a run means one more run after it', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const task = debounce(
      async () => {
        running++;
        overlapped ||= running > 1;
        runs++;
        await sleep(DELAY_MS * 2);
        running--;
      },
      5,
      fail,
    );
    task.trigger();
    await sleep(DELAY_MS);
    for (let i = 0; i < 5; i++) task.trigger();
    await sleep(DELAY_MS * 6);
    expect(overlapped).toBe(false);
    expect(runs).toBe(2);
  });
});
