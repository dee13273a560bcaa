/** Base class: every error mcp-gate raises on purpose. Keeps `cause`. */
export class McpGateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export { ConfigError } from '../../config/errors';

/** The key store could not answer (outage, throttling, timeout). Never a denial. */
export class KeyStoreUnavailableError extends McpGateError {}

/** A key that should exist does not (CLI revoke/rotate of an unknown key id). */
export class KeyNotFoundError extends McpGateError {}

/** A conditional write found an item already there (never overwrite a key). */
export class KeyConflictError extends McpGateError {}

/** Input from a user (CLI flag, request) is invalid; the message says why. */
export class InvalidInputError extends McpGateError {}
