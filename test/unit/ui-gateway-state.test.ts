import { describe, expect, it } from 'vitest';
import { GatewaySchema } from '../../src-main/core/gateways/schema.js';
import type { GatewayStatus, GatewayView } from '../../src-renderer/api/types.js';
import {
  canSignIn,
  primaryAction,
  stateLook,
  withLiveStatus,
} from '../../src-renderer/features/gateways/gateway-state.js';

const NOW = 1_000_000_000;
const MINUTE = 60_000;

function view(status: Partial<GatewayStatus>, auth: 'pkce' | 'none' = 'pkce'): GatewayView {
  return {
    gateway: GatewaySchema.parse({ name: 'acme', url: 'https://mcp.acme.io/mcp', auth }),
    localUrl: 'http://127.0.0.1:7421/mcp/acme',
    status: { name: 'acme', state: 'signed-out', grantedScopes: [], ...status },
    hasClientSecret: false,
  };
}

describe('a gateway row', () => {
  it('offers what the state needs next', () => {
    expect(primaryAction(view({ state: 'signed-out' }), NOW)).toBe('sign-in');
    expect(primaryAction(view({ state: 'needs-sign-in' }), NOW)).toBe('sign-in');
    expect(primaryAction(view({ state: 'signed-in', expiresAt: NOW + 30 * MINUTE }), NOW)).toBe(
      'details',
    );
    expect(primaryAction(view({ state: 'signed-in', expiresAt: NOW + 2 * MINUTE }), NOW)).toBe(
      'refresh',
    );
    expect(primaryAction(view({ state: 'signed-in', expiresAt: NOW - MINUTE }), NOW)).toBe(
      'refresh',
    );
    expect(primaryAction(view({ state: 'refreshing' }), NOW)).toBe('details');
    expect(primaryAction(view({ state: 'signed-out' }, 'none'), NOW)).toBe('details');
  });

  it('sends errors a sign-in fixes to sign-in, and the others to the details', () => {
    const error = (code: 'invalid_grant' | 'idp_unreachable') => ({ code, message: 'x', at: NOW });
    expect(primaryAction(view({ state: 'error', lastError: error('invalid_grant') }), NOW)).toBe(
      'sign-in',
    );
    expect(primaryAction(view({ state: 'error', lastError: error('idp_unreachable') }), NOW)).toBe(
      'details',
    );
  });

  it('offers a sign-in only when one can start', () => {
    expect(canSignIn(view({ state: 'signed-out' }))).toBe(true);
    expect(canSignIn(view({ state: 'needs-sign-in' }))).toBe(true);
    expect(canSignIn(view({ state: 'error' }))).toBe(true);
    expect(canSignIn(view({ state: 'signed-in' }))).toBe(false);
    expect(canSignIn(view({ state: 'refreshing' }))).toBe(false);
    expect(canSignIn(view({ state: 'signing-in' }))).toBe(false);
    expect(canSignIn(view({ state: 'signed-out' }, 'none'))).toBe(false);
  });

  it('labels every state in words, not colour alone', () => {
    expect(stateLook(view({ state: 'needs-sign-in' }))).toEqual({
      tone: 'warn',
      label: 'Needs sign-in',
    });
    expect(stateLook(view({ state: 'error' }))).toEqual({ tone: 'danger', label: 'Error' });
    expect(stateLook(view({ state: 'signed-out' }, 'none')).label).toBe('No sign-in needed');
  });

  it('shows the status events reported after the listing', () => {
    const listed = [view({ state: 'signed-out' })];
    const live = {
      acme: { name: 'acme', state: 'signed-in' as const, grantedScopes: ['mcp:tools'] },
    };
    expect(withLiveStatus(listed, live)[0]?.status.state).toBe('signed-in');
    expect(withLiveStatus(listed, {})[0]).toBe(listed[0]);
  });
});
