export { decodeJwt, looksLikeJwt, MAX_TOKEN_LENGTH } from './decode.js';
export type { DecodedJwt } from './decode.js';
export { inspectToken } from './inspect.js';
export { formatInspection } from './format.js';
export type { FormatOptions } from './format.js';
export type {
  Diagnostic,
  InspectionContext,
  InspectionReport,
  ScopeReport,
  Severity,
  SignatureReport,
  TimeInfo,
} from './types.js';
