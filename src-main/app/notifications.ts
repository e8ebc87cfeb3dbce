import { Notification } from 'electron';
import type { GatewayStatus } from '../core/tokens/types.js';
import { NotificationPolicy, type Notice } from './notification-rules.js';

/**
 * Desktop notifications for the status changes NotificationPolicy picks. A click opens the
 * Gatekey window at the notice's screen; it never starts a sign-in or opens a browser.
 */
export class Notifier {
  /** Held until dismissed: a garbage-collected Notification loses its click handler. */
  private readonly shown = new Set<Notification>();

  constructor(
    private readonly openRoute: (route: string) => void,
    private readonly policy = new NotificationPolicy(),
  ) {}

  track(statuses: readonly GatewayStatus[]): void {
    this.policy.track(statuses);
  }

  observe(status: GatewayStatus): void {
    const notice = this.policy.observe(status, Date.now());
    if (notice && Notification.isSupported()) this.show(notice);
  }

  private show(notice: Notice): void {
    const notification = new Notification({ title: notice.title, body: notice.body });
    this.shown.add(notification);
    notification.on('click', () => {
      this.shown.delete(notification);
      this.openRoute(notice.route);
    });
    notification.on('close', () => this.shown.delete(notification));
    notification.show();
  }
}
