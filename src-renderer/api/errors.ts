import type { ApiError } from './types.js';

/** A failed command, thrown by every transport so that callers handle one kind of error. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

const unexpectedFailure = (detail: string): ApiError => ({
  code: 'internal',
  message: `Gatekey failed unexpectedly: ${detail}`,
  hint: 'Try again; if it keeps happening, restart Gatekey and report the message.',
});

/** Whatever a call threw, as the ApiError a person is shown. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiCallError) return error.apiError;
  return unexpectedFailure(error instanceof Error ? error.message : String(error));
}
