import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../../src-main/core/tokens/types.js';
import {
  countWithProgress,
  echo,
  EXPIRING_TOKEN_TTL_SECONDS,
  EXPIRY_MARGIN_MS,
  keepCalling,
  proxyError,
  RECOVERY_TIMEOUT_MS,
  report,
  startRig,
  timeToRecover,
  type Rig,
} from '../support/reliability-rig.js';

let rig: Rig;
let ide: Client;
const statuses: GatewayStatus[] = [];

beforeAll(async () => {
  rig = await startRig({ tokenTtlSeconds: EXPIRING_TOKEN_TTL_SECONDS });
  await rig.addSignedInGateway('work');
  ide = await rig.connect('work');
  rig.instance.tokens.on('status', (status) => statuses.push(status));
});

afterAll(async () => {
  await rig?.idp.start();
  await rig?.close();
});

const status = () => rig.instance.tokens.status('work');

describe('the IdP goes down and comes back', () => {
  it('serves every request while the token is still valid', async () => {
    await rig.instance.api.invoke('auth.refresh', { name: 'work' });
    const expiresAt = status().expiresAt!;
    statuses.length = 0;
    await rig.idp.stop();
    const started = Date.now();

    const streaming = countWithProgress(ide, 5, 200);
    const { served, failures } = await keepCalling(ide, expiresAt - EXPIRY_MARGIN_MS);
    const streamed = await streaming;
    const failedRefreshes = statuses.filter(
      (seen) => seen.state === 'signed-in' && seen.lastError?.code === 'idp_unreachable',
    ).length;

    expect(streamed.progress).toEqual([1, 2, 3, 4, 5]);
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(10);
    expect(
      failedRefreshes,
      'a background refresh failed while the token was valid',
    ).toBeGreaterThan(0);
    report('idp-down-token-valid', {
      requests: served,
      streamedCalls: 1,
      failures,
      failedRefreshes,
      windowMs: Date.now() - started,
    });
  });

  it('past expiry: shows the gateway needs attention and tells the IDE why', async () => {
    await delay(Math.max(0, status().expiresAt! - Date.now()));
    await expect.poll(() => status().state, { timeout: 10_000 }).toBe('error');
    expect(status().lastError).toMatchObject({
      code: 'idp_unreachable',
      message: expect.stringContaining(
        `Could not reach the identity provider at ${rig.idp.issuer}`,
      ),
    });

    const answer = await proxyError(rig.localUrl('work'));
    expect(answer).toMatchObject({ status: 200, code: 'idp_unreachable' });
    expect(answer.message).toContain('Check that the identity provider is up');
    expect(answer.durationMs).toBeLessThan(2000);
    await expect(echo(ide, 'expired')).rejects.toThrow(/Could not reach the identity provider/);
    report('idp-down-token-expired', {
      state: status().state,
      errorCode: answer.code!,
      httpStatus: answer.status,
      answerMs: answer.durationMs,
    });
  });

  it('recovers by itself once the IdP is back, without a sign-in', async () => {
    const signInsBefore = rig.browserSignIns();
    const codeGrantsBefore = rig.idp.tokenRequests('authorization_code');
    await rig.idp.start();

    const { recoveredMs, refused } = await timeToRecover(ide, RECOVERY_TIMEOUT_MS);

    expect(status()).toMatchObject({ state: 'signed-in' });
    expect(status().lastError).toBeUndefined();
    expect(rig.browserSignIns()).toBe(signInsBefore);
    expect(rig.idp.tokenRequests('authorization_code')).toBe(codeGrantsBefore);
    report('idp-recovery', {
      timeToRecoverMs: recoveredMs,
      refusedWhileBackingOff: refused,
      signIns: rig.browserSignIns() - signInsBefore,
    });
  });
});
