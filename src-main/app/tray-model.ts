/**
 * What the tray shows, as plain data: the overall health (the icon), a one-line label per gateway,
 * and the menu. tray.ts turns it into an Electron Tray and Menu.
 */
import type { GatewayView } from '../core/api/contract.js';
import type { GatewayState, GatewayStatus } from '../core/tokens/types.js';

export const TRAY_HEALTHS = ['ok', 'attention', 'error'] as const;
export type TrayHealth = (typeof TRAY_HEALTHS)[number];

/** The part of a gateway the tray needs. */
export type TrayGateway = Pick<GatewayView, 'localUrl' | 'status'> & {
  auth: GatewayView['gateway']['auth'];
};

export type GatewayAction = 'sign-in' | 'refresh' | 'copy-url' | 'open-inspector';
export type AppAction = 'open-window' | 'toggle-start-at-login' | 'retry-start' | 'quit';
export type TrayAction = { type: GatewayAction; gateway: string } | { type: AppAction };

export type TrayMenuItem =
  | { kind: 'action'; label: string; action: TrayAction; enabled: boolean }
  | { kind: 'checkbox'; label: string; action: TrayAction; checked: boolean }
  | { kind: 'submenu'; label: string; items: TrayMenuItem[] }
  | { kind: 'info'; label: string }
  | { kind: 'separator' };

export interface TrayMenuInput {
  gateways: readonly TrayGateway[];
  now: number;
  /** Undefined where the OS offers no login item (Linux). */
  startAtLogin: boolean | undefined;
  /** Why the core is not running, when it is not. */
  startupError: string | undefined;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MAX_INFO_LENGTH = 90;

const STATE_LABELS: Record<GatewayState, string> = {
  'signed-out': 'signed out',
  'signing-in': 'signing in…',
  'signed-in': 'signed in',
  refreshing: 'refreshing…',
  'needs-sign-in': 'sign-in needed',
  error: 'error',
};

const hasStepUp = (status: GatewayStatus) => (status.stepUpScopes?.length ?? 0) > 0;

export function gatewayHealth(status: GatewayStatus): TrayHealth {
  if (status.state === 'error') return 'error';
  if (status.state === 'needs-sign-in' || hasStepUp(status)) return 'attention';
  return 'ok';
}

/** The worst health of any gateway; a core that could not start is an error. */
export function overallHealth(input: Pick<TrayMenuInput, 'gateways' | 'startupError'>): TrayHealth {
  if (input.startupError !== undefined) return 'error';
  const healths = new Set(input.gateways.map((gateway) => gatewayHealth(gateway.status)));
  return TRAY_HEALTHS.findLast((health) => healths.has(health)) ?? 'ok';
}

/** Time left on a token, at menu precision: "expired", "<1 min", "42 min", "3 h 5 min", "2 d". */
export function remainingText(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  if (left <= 0) return 'expired';
  if (left < MINUTE) return '<1 min';
  if (left < HOUR) return `${Math.floor(left / MINUTE)} min`;
  if (left < DAY) {
    const minutes = Math.floor((left % HOUR) / MINUTE);
    return `${Math.floor(left / HOUR)} h${minutes ? ` ${minutes} min` : ''}`;
  }
  return `${Math.floor(left / DAY)} d`;
}

/** "signed in · 42 min", "sign-in needed", "signed in · 42 min · more scopes asked". */
export function statusLabel(gateway: TrayGateway, now: number): string {
  if (gateway.auth === 'none') return 'no sign-in needed';
  const { state, expiresAt } = gateway.status;
  const parts = [STATE_LABELS[state]];
  if (state === 'signed-in' && expiresAt !== undefined) parts.push(remainingText(expiresAt, now));
  if (hasStepUp(gateway.status)) parts.push('more scopes asked');
  return parts.join(' · ');
}

const truncate = (text: string) =>
  text.length > MAX_INFO_LENGTH ? `${text.slice(0, MAX_INFO_LENGTH - 1)}…` : text;

function signInActions(gateway: TrayGateway): TrayMenuItem[] {
  if (gateway.auth === 'none') return [];
  const { name, state } = gateway.status;
  return [
    {
      kind: 'action',
      label: state === 'signed-in' ? 'Sign in again' : 'Sign in',
      action: { type: 'sign-in', gateway: name },
      enabled: state !== 'signing-in',
    },
    {
      kind: 'action',
      label: 'Refresh',
      action: { type: 'refresh', gateway: name },
      enabled: state === 'signed-in' || state === 'error',
    },
  ];
}

function gatewaySubmenu(gateway: TrayGateway, now: number): TrayMenuItem {
  const { name, lastError, state } = gateway.status;
  const problem = lastError && (state === 'error' || state === 'needs-sign-in');
  return {
    kind: 'submenu',
    label: `${name} — ${statusLabel(gateway, now)}`,
    items: [
      ...(problem ? [{ kind: 'info', label: truncate(lastError.message) } as const] : []),
      ...signInActions(gateway),
      {
        kind: 'action',
        label: 'Copy local URL',
        action: { type: 'copy-url', gateway: name },
        enabled: true,
      },
      {
        kind: 'action',
        label: 'Open inspector',
        action: { type: 'open-inspector', gateway: name },
        enabled: true,
      },
    ],
  };
}

function coreSection(input: TrayMenuInput): TrayMenuItem[] {
  if (input.startupError !== undefined)
    return [
      { kind: 'info', label: 'Gatekey could not start' },
      { kind: 'info', label: truncate(input.startupError) },
      { kind: 'action', label: 'Try again', action: { type: 'retry-start' }, enabled: true },
    ];
  if (input.gateways.length === 0) return [{ kind: 'info', label: 'No gateways yet' }];
  return input.gateways.map((gateway) => gatewaySubmenu(gateway, input.now));
}

export function buildTrayMenu(input: TrayMenuInput): TrayMenuItem[] {
  const startAtLogin: TrayMenuItem[] =
    input.startAtLogin === undefined
      ? []
      : [
          {
            kind: 'checkbox',
            label: 'Start at login',
            action: { type: 'toggle-start-at-login' },
            checked: input.startAtLogin,
          },
        ];
  return [
    ...coreSection(input),
    { kind: 'separator' },
    {
      kind: 'action',
      label: 'Open Gatekey',
      action: { type: 'open-window' },
      enabled: input.startupError === undefined,
    },
    ...startAtLogin,
    { kind: 'separator' },
    { kind: 'action', label: 'Quit Gatekey', action: { type: 'quit' }, enabled: true },
  ];
}

/** One line on hover: "Gatekey — 3 gateways, all fine", "Gatekey — acme: sign-in needed". */
export function trayTooltip(input: TrayMenuInput): string {
  if (input.startupError !== undefined) return 'Gatekey — could not start';
  const troubled = input.gateways.filter((gateway) => gatewayHealth(gateway.status) !== 'ok');
  const [first] = troubled;
  if (first === undefined) {
    const count = input.gateways.length;
    return count === 0
      ? 'Gatekey — no gateways'
      : `Gatekey — ${count} gateway${count === 1 ? '' : 's'}, all fine`;
  }
  if (troubled.length > 1) return `Gatekey — ${troubled.length} gateways need attention`;
  return `Gatekey — ${first.status.name}: ${statusLabel(first, input.now)}`;
}

/** The icon file for a health: template images on macOS (the menu bar tints them), colour elsewhere. */
export function trayIconFile(health: TrayHealth, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? `${health}Template.png` : `${health}.png`;
}

/**
 * The gateways as the tray knows them: the list at start and after a `gateways` event, each
 * updated in place by `status` events.
 */
export class TrayGateways {
  private readonly byName = new Map<string, TrayGateway>();

  replaceAll(views: readonly GatewayView[]): void {
    this.byName.clear();
    for (const view of views)
      this.byName.set(view.gateway.name, {
        auth: view.gateway.auth,
        localUrl: view.localUrl,
        status: view.status,
      });
  }

  /** False for a gateway the tray does not list (yet): the next `gateways` event brings it. */
  applyStatus(status: GatewayStatus): boolean {
    const gateway = this.byName.get(status.name);
    if (!gateway) return false;
    this.byName.set(status.name, { ...gateway, status });
    return true;
  }

  get(name: string): TrayGateway | undefined {
    return this.byName.get(name);
  }

  list(): TrayGateway[] {
    return [...this.byName.values()];
  }
}
