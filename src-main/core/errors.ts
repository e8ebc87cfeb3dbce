/**
 * Every error Gatekey shows a person is a GatekeyError: a one-line `message` that says what
 * was expected and what arrived, and a `hint` that says how to fix it. Neither ever holds a
 * token or a secret.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'gateway_not_found'
  | 'gateway_exists'
  | 'invalid_input'
  | 'keychain_unavailable'
  | 'secrets_corrupt'
  | 'discovery_failed'
  | 'idp_unreachable'
  | 'idp_error'
  | 'invalid_grant'
  | 'invalid_client'
  | 'sign_in_required'
  | 'token_rejected'
  | 'sign_in_timeout'
  | 'sign_in_cancelled'
  | 'state_mismatch'
  | 'port_in_use'
  | 'browser_unavailable'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'not_a_jwt'
  | 'instance_unreachable'
  | 'unauthorized'
  | 'other_user'
  | 'instance_unverified'
  | 'instance_running'
  | 'no_dashboard';

export class GatekeyError extends Error {
  override readonly name = 'GatekeyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(message, options);
    this.field = options?.field;
  }

  /** The input field at fault (a gateway field such as `url`), so a form can point at it. */
  readonly field: string | undefined;

  toJSON(): { code: ErrorCode; message: string; hint?: string; field?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.field ? { field: this.field } : {}),
    };
  }
}

export function isGatekeyError(error: unknown, code?: ErrorCode): error is GatekeyError {
  return error instanceof GatekeyError && (code === undefined || error.code === code);
}

/** One line for a terminal or a notification: the message, then the fix. */
export function describeError(error: unknown): string {
  if (error instanceof GatekeyError)
    return error.hint ? `${error.message} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
