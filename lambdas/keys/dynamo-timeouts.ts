/* DynamoDB client settings shared by the SDK's client (dynamo-client.ts) and the signed one (signed-dynamo-client.ts). Data only. */

/**
 * How long DynamoDB may take before the key store counts as down. The request timeout runs
 * from the start of an attempt to the response headers (and `throwOnRequestTimeout` makes it
 * fail the attempt: without it the SDK only warns and waits on); the socket timeout covers a
 * response that stalls after its headers. A GetItem answers in milliseconds; the worst case,
 * `maxAttempts` × `requestMs` plus the one retry's backoff (at most 1 s, after throttling),
 * is 5 s: well inside the authorizer function's 10 s timeout (lib/gate-function.ts), so an
 * outage is a `KeyStoreUnavailableError` (API Gateway's 500), never a Lambda timeout.
 */
export const DYNAMO_TIMEOUTS = {
  connectionMs: 1000,
  requestMs: 2000,
  maxAttempts: 2,
} as const;

export interface DynamoClientOptions {
  /** A DynamoDB-compatible endpoint (the embedded one locally); AWS when undefined. */
  readonly endpoint?: string;
  /** Milliseconds to wait for a connection before the attempt fails. @default DYNAMO_TIMEOUTS.connectionMs */
  readonly connectionTimeoutMs?: number;
  /** Milliseconds to wait for an answer before the attempt fails. @default DYNAMO_TIMEOUTS.requestMs */
  readonly requestTimeoutMs?: number;
  /** @default DYNAMO_TIMEOUTS.maxAttempts */
  readonly maxAttempts?: number;
}
