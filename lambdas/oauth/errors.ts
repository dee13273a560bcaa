import { McpGateError } from '../shared/errors';

/** The grants table could not answer (outage, throttling, timeout). Never a denial. */
export class GrantsStoreUnavailableError extends McpGateError {}

/** An access token was about to be stored for a resource that names no `oauth` server. */
export class UnboundTokenError extends McpGateError {}
