/**
 * The core's shapes as the renderer sees them, all derived from the contract so that the renderer
 * depends on one module of the core (type-only) and not on its inner layout.
 */
import type { CommandOutput } from '../../src-main/core/api/contract.js';

export type {
  ApiClient,
  ApiError,
  ApiEvent,
  AppInfo,
  CommandInput,
  CommandName,
  CommandOutput,
  ConnectionTest,
  Envelope,
  GatekeyBridge,
  GatewayView,
} from '../../src-main/core/api/contract.js';
export type { GatewayState, GatewayStatus } from '../../src-main/core/tokens/types.js';
export type {
  DiscoveryResult,
  SignInProgress,
  SignInStep,
} from '../../src-main/core/oauth/types.js';
export type { Gateway, GatewayInput } from '../../src-main/core/gateways/schema.js';

export type InspectionReport = CommandOutput<'tokens.inspect'>;
export type Diagnostic = InspectionReport['diagnostics'][number];
export type SignatureCheck = InspectionReport['signature'];
export type TokenKind = CommandOutput<'tokens.get'>['kind'];
export type RequestLogEntry = CommandOutput<'log.recent'>[number];
export type ClientConfigPlan = CommandOutput<'clients.list'>[number];
export type WriteResult = CommandOutput<'clients.write'>;
