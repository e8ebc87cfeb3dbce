/**
 * Which status changes deserve a desktop notification: few, on transitions only, never twice for
 * the same thing in a row, never a burst. Clicking one opens the window at `route`; it never
 * opens a browser by itself.
 */
import type { GatewayStatus } from '../core/tokens/types.js';
import { routes } from './routes.js';

export interface Notice {
  /** Same key, same news: used to deduplicate. */
  key: string;
  title: string;
  body: string;
  route: string;
}

export interface NotificationPolicyOptions {
  /** Failed refreshes in a row before a person is told. */
  failureThreshold: number;
  /** The same notice is not repeated within this span. */
  repeatAfterMs: number;
  /** At most `max` notices per `perMs`, across all gateways. */
  rateLimit: { max: number; perMs: number };
}

const MINUTE = 60_000;

export const DEFAULT_NOTIFICATION_POLICY: NotificationPolicyOptions = {
  failureThreshold: 3,
  repeatAfterMs: 30 * MINUTE,
  rateLimit: { max: 3, perMs: MINUTE },
};

interface Memory {
  status: GatewayStatus;
  /** Failed refreshes since the last success. */
  failures: number;
}

const scopesKey = (status: GatewayStatus) => [...(status.stepUpScopes ?? [])].sort().join(' ');

const isNewFailure = (before: GatewayStatus, after: GatewayStatus) =>
  after.lastError !== undefined &&
  after.lastError.at !== before.lastError?.at &&
  after.state !== 'needs-sign-in';

const isSuccess = (before: GatewayStatus, after: GatewayStatus) =>
  after.state === 'signed-in' &&
  (before.state !== 'signed-in' || (after.lastRefreshAt ?? 0) > (before.lastRefreshAt ?? 0));

function countFailures(memory: Memory, after: GatewayStatus): number {
  if (isNewFailure(memory.status, after)) return memory.failures + 1;
  if (isSuccess(memory.status, after) || after.state === 'needs-sign-in') return 0;
  return memory.failures;
}

function stepUpNotice(name: string, after: GatewayStatus): Notice {
  const scopes = scopesKey(after);
  return {
    key: `step-up:${name}:${scopes}`,
    title: `${name} asks for more access`,
    body: `The gateway wants the scopes ${scopes}. Click to sign in again with them.`,
    route: routes.signInPrompt(name),
  };
}

function signInNotice(name: string): Notice {
  return {
    key: `needs-sign-in:${name}`,
    title: `Sign in to ${name}`,
    body: `Your session with ${name} has ended; your IDE's requests to it fail until you sign in. Click to open Gatekey.`,
    route: routes.signInPrompt(name),
  };
}

function failingNotice(name: string, after: GatewayStatus, failures: number): Notice {
  return {
    key: `refresh-failing:${name}`,
    title: `${name}: token refresh keeps failing`,
    body: `${failures} attempts in a row failed. Last: ${after.lastError?.message ?? 'unknown error'}`,
    route: routes.gateway(name),
  };
}

/** The news in one transition, most important first. */
function detect(memory: Memory, after: GatewayStatus, failures: number, threshold: number) {
  const before = memory.status;
  const { name } = after;
  if (scopesKey(after) !== '' && scopesKey(after) !== scopesKey(before))
    return stepUpNotice(name, after);
  if (after.state === 'needs-sign-in' && before.state !== 'needs-sign-in')
    return signInNotice(name);
  if (failures === threshold && memory.failures < threshold)
    return failingNotice(name, after, failures);
  return undefined;
}

export class NotificationPolicy {
  private readonly memory = new Map<string, Memory>();
  private readonly lastShownAt = new Map<string, number>();
  private shownAt: number[] = [];

  constructor(private readonly options: NotificationPolicyOptions = DEFAULT_NOTIFICATION_POLICY) {}

  /**
   * The gateways that exist now: removed ones are forgotten (a new one with the same name starts
   * clean), new ones are remembered without a notice (the state the app starts in is on the tray
   * icon already). A gateway first seen through `observe` is remembered the same way.
   */
  track(statuses: readonly GatewayStatus[]): void {
    const names = new Set(statuses.map((status) => status.name));
    for (const name of this.memory.keys()) if (!names.has(name)) this.memory.delete(name);
    for (const status of statuses)
      if (!this.memory.has(status.name)) this.memory.set(status.name, { status, failures: 0 });
  }

  /** The notice this status change deserves, if any, once deduplicated and rate-limited. */
  observe(status: GatewayStatus, now: number): Notice | undefined {
    const memory = this.memory.get(status.name);
    if (!memory) {
      this.memory.set(status.name, { status, failures: 0 });
      return undefined;
    }
    const failures = countFailures(memory, status);
    this.memory.set(status.name, { status, failures });
    const notice = detect(memory, status, failures, this.options.failureThreshold);
    return notice && this.admit(notice, now) ? notice : undefined;
  }

  private admit(notice: Notice, now: number): boolean {
    const { rateLimit, repeatAfterMs } = this.options;
    const last = this.lastShownAt.get(notice.key);
    if (last !== undefined && now - last < repeatAfterMs) return false;
    this.shownAt = this.shownAt.filter((at) => now - at < rateLimit.perMs);
    if (this.shownAt.length >= rateLimit.max) return false;
    this.shownAt.push(now);
    this.lastShownAt.set(notice.key, now);
    return true;
  }
}
