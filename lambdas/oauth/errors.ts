import { McpGateError } from '../shared/errors';

/** The grants table could not answer (outage, throttling, timeout). Never a denial. */
export class GrantsStoreUnavailableError extends McpGateError {}

/** An access token was about to be stored for a resource that names no `oauth` server. */
export class UnboundTokenError extends McpGateError {}

/** A failed grants table call as the outage it is, naming the operation and the cause (never an id or a token). */
export function unavailable(operation: string, error: unknown): GrantsStoreUnavailableError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new GrantsStoreUnavailableError(`grants store ${operation} failed (${detail})`, { cause: error });
}
