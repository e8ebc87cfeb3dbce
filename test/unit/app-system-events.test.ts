import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { debounce } from '../../src-main/app/debounce.js';
import type { NetworkInterfaceInfo } from 'node:os';
import {
  revalidateOnWake,
  watchNetwork,
  WAKE_EVENTS,
  type Every,
  type NetworkSource,
} from '../../src-main/app/system-events.js';

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

/** A network the test changes, and an interval the test ticks by hand. */
function network() {
  const address = (text: string, internal = false): NetworkInterfaceInfo => ({
    address: text,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: `${text}/24`,
  });
  const state = {
    online: true,
    interfaces: {
      lo: [address('127.0.0.1', true)],
      wlan0: [address('192.168.1.20')],
    } as NodeJS.Dict<NetworkInterfaceInfo[]>,
    samples: 0,
  };
  const source: NetworkSource = {
    interfaces: () => {
      state.samples++;
      return state.interfaces;
    },
    isOnline: () => state.online,
  };
  const ticks: (() => void)[] = [];
  const intervals: number[] = [];
  const every: Every = (ms, tick) => {
    intervals.push(ms);
    ticks.push(tick);
    return () => ticks.splice(ticks.indexOf(tick), 1);
  };
  const tick = () => {
    for (const run of [...ticks]) run();
  };
  return { state, source, every, tick, ticks, intervals, address };
}

describe('revalidation on a network change', () => {
  it('announces nothing while nothing changes, with one sample per tick', () => {
    const net = network();
    let changes = 0;
    const stop = watchNetwork({ source: net.source, every: net.every }, () => changes++);
    expect(net.intervals).toEqual([10_000]);
    for (let i = 0; i < 5; i++) net.tick();
    expect(net.state.samples).toBe(6);
    expect(changes).toBe(0);
    stop();
    expect(net.ticks).toHaveLength(0);
  });

  it('announces a new address, a new interface and coming back online, once each', () => {
    const net = network();
    let changes = 0;
    const stop = watchNetwork({ source: net.source, every: net.every }, () => changes++);
    net.state.interfaces = { ...net.state.interfaces, wlan0: [net.address('10.0.0.7')] };
    net.tick();
    net.tick();
    expect(changes).toBe(1);
    net.state.interfaces = { ...net.state.interfaces, tun0: [net.address('10.8.0.2')] };
    net.tick();
    expect(changes).toBe(2);
    net.state.online = false;
    net.tick();
    expect(changes).toBe(2);
    net.state.online = true;
    net.tick();
    net.tick();
    expect(changes).toBe(3);
    stop();
  });

  it('ignores loopback addresses and the order interfaces are listed in', () => {
    const net = network();
    let changes = 0;
    const stop = watchNetwork({ source: net.source, every: net.every }, () => changes++);
    net.state.interfaces = {
      wlan0: net.state.interfaces.wlan0,
      lo: [net.address('127.0.0.1', true), net.address('127.0.0.2', true)],
    };
    net.tick();
    expect(changes).toBe(0);
    stop();
  });

  it('a wake-up burst with a network change in it is one revalidation', async () => {
    const source = wakeSource();
    const net = network();
    const { calls, revalidate } = counter();
    const stop = revalidateOnWake(source, revalidate, {
      delayMs: DELAY_MS,
      network: { source: net.source, every: net.every },
      onError: fail,
    });
    source.emit('resume');
    net.state.interfaces = { ...net.state.interfaces, wlan0: [net.address('10.0.0.7')] };
    net.tick();
    source.emit('unlock-screen');
    await sleep(SETTLE_MS);
    expect(calls).toHaveLength(1);
    net.state.interfaces = { ...net.state.interfaces, wlan0: [net.address('10.0.0.8')] };
    net.tick();
    await sleep(SETTLE_MS);
    expect(calls).toHaveLength(2);
    stop();
    expect(net.ticks).toHaveLength(0);
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
