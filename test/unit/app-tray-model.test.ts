import { describe, expect, it } from 'vitest';
import type { GatewayView } from '../../src-main/core/api/contract.js';
import type { GatewayState, GatewayStatus } from '../../src-main/core/tokens/types.js';
import {
  buildTrayMenu,
  overallHealth,
  remainingText,
  statusLabel,
  trayIconFile,
  TrayGateways,
  trayTooltip,
  type TrayGateway,
  type TrayMenuInput,
  type TrayMenuItem,
} from '../../src-main/app/tray-model.js';

const NOW = Date.UTC(2025, 0, 1, 12);
const MINUTE = 60_000;

function gateway(
  name: string,
  state: GatewayState,
  extra: Partial<GatewayStatus> & { auth?: TrayGateway['auth'] } = {},
): TrayGateway {
  const { auth = 'pkce', ...status } = extra;
  return {
    auth,
    localUrl: `http://127.0.0.1:7421/mcp/${name}`,
    status: { name, state, grantedScopes: [], ...status },
  };
}

function input(gateways: TrayGateway[], extra: Partial<TrayMenuInput> = {}): TrayMenuInput {
  return { gateways, now: NOW, startAtLogin: false, startupError: undefined, ...extra };
}

/** The menu as readable lines: "label [disabled]", submenus indented. */
function outline(items: readonly TrayMenuItem[], depth = 0): string[] {
  return items.flatMap((item) => {
    const indent = '  '.repeat(depth);
    switch (item.kind) {
      case 'separator':
        return [`${indent}---`];
      case 'info':
        return [`${indent}${item.label} [info]`];
      case 'checkbox':
        return [`${indent}${item.label} [${item.checked ? 'x' : ' '}]`];
      case 'action':
        return [`${indent}${item.label}${item.enabled ? '' : ' [disabled]'}`];
      case 'submenu':
        return [`${indent}${item.label} >`, ...outline(item.items, depth + 1)];
    }
  });
}

const submenuOf = (menu: TrayMenuItem[], name: string) => {
  const item = menu.find((entry) => entry.kind === 'submenu' && entry.label.startsWith(`${name} `));
  if (item?.kind !== 'submenu') throw new Error(`no submenu for ${name}`);
  return item.items;
};

describe('overall health (the tray icon)', () => {
  it('is ok with no gateways and with every gateway fine', () => {
    expect(overallHealth(input([]))).toBe('ok');
    expect(
      overallHealth(
        input([gateway('a', 'signed-in'), gateway('b', 'signed-out'), gateway('c', 'refreshing')]),
      ),
    ).toBe('ok');
  });

  it('asks for attention when a gateway needs sign-in or more scopes', () => {
    expect(overallHealth(input([gateway('a', 'signed-in'), gateway('b', 'needs-sign-in')]))).toBe(
      'attention',
    );
    expect(overallHealth(input([gateway('a', 'signed-in', { stepUpScopes: ['admin'] })]))).toBe(
      'attention',
    );
  });

  it('is an error when any gateway is, whatever the others say', () => {
    expect(
      overallHealth(
        input([gateway('a', 'needs-sign-in'), gateway('b', 'error'), gateway('c', 'signed-in')]),
      ),
    ).toBe('error');
  });

  it('is an error when the core could not start', () => {
    expect(overallHealth(input([], { startupError: 'Port 7421 is in use' }))).toBe('error');
  });

  it('names template images on macOS and colour images elsewhere', () => {
    expect(trayIconFile('attention', 'darwin')).toBe('attentionTemplate.png');
    expect(trayIconFile('attention', 'win32')).toBe('attention.png');
    expect(trayIconFile('error', 'linux')).toBe('error.png');
  });
});

describe('labels', () => {
  it.each([
    [-1, 'expired'],
    [0, 'expired'],
    [30_000, '<1 min'],
    [42 * MINUTE + 59_000, '42 min'],
    [60 * MINUTE, '1 h'],
    [185 * MINUTE, '3 h 5 min'],
    [2 * 24 * 60 * MINUTE + 5 * MINUTE, '2 d'],
  ])('%i ms left reads "%s"', (left, text) => {
    expect(remainingText(NOW + left, NOW)).toBe(text);
  });

  it('gives each state its words, and the expiry when signed in', () => {
    expect(statusLabel(gateway('a', 'signed-in', { expiresAt: NOW + 42 * MINUTE }), NOW)).toBe(
      'signed in · 42 min',
    );
    expect(statusLabel(gateway('a', 'signed-in'), NOW)).toBe('signed in');
    expect(statusLabel(gateway('a', 'needs-sign-in', { expiresAt: NOW - MINUTE }), NOW)).toBe(
      'sign-in needed',
    );
    expect(statusLabel(gateway('a', 'signing-in'), NOW)).toBe('signing in…');
    expect(statusLabel(gateway('a', 'refreshing'), NOW)).toBe('refreshing…');
    expect(statusLabel(gateway('a', 'signed-out'), NOW)).toBe('signed out');
    expect(statusLabel(gateway('a', 'error'), NOW)).toBe('error');
  });

  it('mentions a step-up and says nothing about sign-in for an open gateway', () => {
    expect(
      statusLabel(
        gateway('a', 'signed-in', { expiresAt: NOW + 5 * MINUTE, stepUpScopes: ['x'] }),
        NOW,
      ),
    ).toBe('signed in · 5 min · more scopes asked');
    expect(statusLabel(gateway('a', 'signed-out', { auth: 'none' }), NOW)).toBe(
      'no sign-in needed',
    );
  });

  it('summarises in the tooltip', () => {
    expect(trayTooltip(input([]))).toBe('Gatekey — no gateways');
    expect(trayTooltip(input([gateway('a', 'signed-in'), gateway('b', 'signed-out')]))).toBe(
      'Gatekey — 2 gateways, all fine',
    );
    expect(trayTooltip(input([gateway('a', 'signed-in'), gateway('acme', 'needs-sign-in')]))).toBe(
      'Gatekey — acme: sign-in needed',
    );
    expect(trayTooltip(input([gateway('a', 'error'), gateway('b', 'needs-sign-in')]))).toBe(
      'Gatekey — 2 gateways need attention',
    );
    expect(trayTooltip(input([], { startupError: 'boom' }))).toBe('Gatekey — could not start');
  });
});

describe('menu', () => {
  it('lists each gateway with its state, then the app entries', () => {
    const menu = buildTrayMenu(
      input([
        gateway('acme', 'signed-in', { expiresAt: NOW + 42 * MINUTE }),
        gateway('beta', 'needs-sign-in', {
          lastError: { code: 'invalid_grant', message: 'The refresh token was revoked.', at: NOW },
        }),
      ]),
    );
    expect(outline(menu)).toEqual([
      'acme — signed in · 42 min >',
      '  Sign in again',
      '  Refresh',
      '  Copy local URL',
      '  Open inspector',
      'beta — sign-in needed >',
      '  The refresh token was revoked. [info]',
      '  Sign in',
      '  Refresh [disabled]',
      '  Copy local URL',
      '  Open inspector',
      '---',
      'Open Gatekey',
      'Start at login [ ]',
      '---',
      'Quit Gatekey',
    ]);
  });

  it.each<[GatewayState, boolean, boolean]>([
    ['signed-out', true, false],
    ['signing-in', false, false],
    ['signed-in', true, true],
    ['refreshing', true, false],
    ['needs-sign-in', true, false],
    ['error', true, true],
  ])('in state %s: Sign in enabled %s, Refresh enabled %s', (state, signIn, refresh) => {
    const items = submenuOf(buildTrayMenu(input([gateway('acme', state)])), 'acme');
    const enabled = (label: RegExp) =>
      items.some((item) => item.kind === 'action' && label.test(item.label) && item.enabled);
    expect(enabled(/^Sign in/)).toBe(signIn);
    expect(enabled(/^Refresh$/)).toBe(refresh);
  });

  it('carries the gateway in every gateway action', () => {
    const items = submenuOf(buildTrayMenu(input([gateway('acme', 'signed-in')])), 'acme');
    const actions = items.flatMap((item) => (item.kind === 'action' ? [item.action] : []));
    expect(actions).toEqual([
      { type: 'sign-in', gateway: 'acme' },
      { type: 'refresh', gateway: 'acme' },
      { type: 'copy-url', gateway: 'acme' },
      { type: 'open-inspector', gateway: 'acme' },
    ]);
  });

  it('offers no sign-in for a gateway without auth', () => {
    const items = submenuOf(
      buildTrayMenu(input([gateway('open', 'signed-out', { auth: 'none' })])),
      'open',
    );
    expect(outline(items)).toEqual(['Copy local URL', 'Open inspector']);
  });

  it('says so when there is no gateway, and hides the login item where the OS has none', () => {
    expect(outline(buildTrayMenu(input([], { startAtLogin: undefined })))).toEqual([
      'No gateways yet [info]',
      '---',
      'Open Gatekey',
      '---',
      'Quit Gatekey',
    ]);
  });

  it('shows why the core is down and offers to try again', () => {
    const menu = buildTrayMenu(
      input([], {
        startupError: 'Port 7421 on 127.0.0.1 is already in use by another program.',
        startAtLogin: true,
      }),
    );
    expect(outline(menu)).toEqual([
      'Gatekey could not start [info]',
      'Port 7421 on 127.0.0.1 is already in use by another program. [info]',
      'Try again',
      '---',
      'Open Gatekey [disabled]',
      'Start at login [x]',
      '---',
      'Quit Gatekey',
    ]);
  });

  it('shortens a long error to one menu line', () => {
    const message = 'x'.repeat(300);
    const [info] = submenuOf(
      buildTrayMenu(
        input([gateway('a', 'error', { lastError: { code: 'idp_error', message, at: NOW } })]),
      ),
      'a',
    );
    expect(info).toEqual({ kind: 'info', label: `${'x'.repeat(89)}…` });
  });
});

describe('TrayGateways', () => {
  const view = (name: string, state: GatewayState): GatewayView => ({
    gateway: {
      name,
      url: 'https://gw.example.com/mcp',
      auth: 'pkce',
      tokenToSend: 'access_token',
      header: 'Authorization: Bearer {token}',
    },
    localUrl: `http://127.0.0.1:7421/mcp/${name}`,
    status: { name, state, grantedScopes: [] },
    hasClientSecret: false,
  });

  it('updates a listed gateway from a status event and refuses an unlisted one', () => {
    const gateways = new TrayGateways();
    gateways.replaceAll([view('acme', 'signed-out'), view('beta', 'signed-in')]);
    expect(gateways.applyStatus({ name: 'acme', state: 'signed-in', grantedScopes: ['mcp'] })).toBe(
      true,
    );
    expect(gateways.applyStatus({ name: 'new', state: 'signed-in', grantedScopes: [] })).toBe(
      false,
    );
    expect(gateways.list().map((entry) => [entry.status.name, entry.status.state])).toEqual([
      ['acme', 'signed-in'],
      ['beta', 'signed-in'],
    ]);
    expect(gateways.get('acme')?.localUrl).toBe('http://127.0.0.1:7421/mcp/acme');
  });

  it('drops removed gateways when the list is replaced', () => {
    const gateways = new TrayGateways();
    gateways.replaceAll([view('acme', 'signed-in'), view('beta', 'signed-in')]);
    gateways.replaceAll([view('beta', 'signed-in')]);
    expect(gateways.get('acme')).toBeUndefined();
    expect(gateways.list()).toHaveLength(1);
  });
});
