import { isGatekeyError, type GatekeyError } from '../../src-main/core/errors.js';

/** The GatekeyError `promise` rejects with; throws if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<GatekeyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isGatekeyError(error)) throw new Error(`expected a GatekeyError, got ${String(error)}`);
  return error;
}
