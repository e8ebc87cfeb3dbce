import path from 'node:path';
import {
  Menu,
  nativeImage,
  Tray,
  type MenuItemConstructorOptions,
  type NativeImage,
  type Rectangle,
} from 'electron';
import {
  buildTrayMenu,
  overallHealth,
  trayIconFile,
  trayTooltip,
  type TrayAction,
  type TrayHealth,
  type TrayMenuInput,
  type TrayMenuItem,
} from './tray-model.js';

export interface TrayOptions {
  iconsDir: string;
  platform: NodeJS.Platform;
  /** The current state, read each time the menu is built. */
  state: () => TrayMenuInput;
  onAction: (action: TrayAction) => void;
  /** A left click, where the OS reports one (macOS, Windows). */
  onClick: () => void;
}

function toTemplate(
  items: readonly TrayMenuItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => onAction(item.action) };
      case 'checkbox':
        return {
          label: item.label,
          type: 'checkbox',
          checked: item.checked,
          click: () => onAction(item.action),
        };
      case 'submenu':
        return { label: item.label, submenu: toTemplate(item.items, onAction) };
      case 'info':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
    }
  });
}

/**
 * The tray icon and its menu, both drawn from `state()`. On macOS and Windows a left click opens
 * the popover and a right click the menu, built fresh so expiry times are current; Linux trays
 * only show a menu, which `refresh` keeps up to date.
 */
export class GatekeyTray {
  private readonly tray: Tray;
  private health: TrayHealth = 'ok';

  constructor(private readonly options: TrayOptions) {
    this.tray = new Tray(this.icon(this.health));
    if (options.platform === 'linux') return;
    this.tray.setIgnoreDoubleClickEvents(true);
    this.tray.on('click', options.onClick);
    this.tray.on('right-click', () => this.tray.popUpContextMenu(this.refresh()));
  }

  /** Redraws icon, tooltip and menu from the current state; returns the menu. */
  refresh(): Menu {
    const state = this.options.state();
    const health = overallHealth(state);
    if (health !== this.health) {
      this.health = health;
      this.tray.setImage(this.icon(health));
    }
    this.tray.setToolTip(trayTooltip(state));
    const menu = Menu.buildFromTemplate(toTemplate(buildTrayMenu(state), this.options.onAction));
    if (this.options.platform === 'linux') this.tray.setContextMenu(menu);
    return menu;
  }

  /** Where the icon is on screen, or undefined where the OS does not say (Linux). */
  bounds(): Rectangle | undefined {
    const bounds = this.tray.getBounds();
    return bounds.width > 0 && bounds.height > 0 ? bounds : undefined;
  }

  destroy(): void {
    this.tray.destroy();
  }

  /** `name.png` with its `name@2x.png` beside it; macOS treats `*Template` as a template image. */
  private icon(health: TrayHealth): NativeImage {
    return nativeImage.createFromPath(
      path.join(this.options.iconsDir, trayIconFile(health, this.options.platform)),
    );
  }
}
