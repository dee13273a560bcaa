import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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

/**
 * A document client, built once per container. With an endpoint and no AWS credentials in
 * the environment it signs with placeholder credentials: local stores accept any.
 */
export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const requestTimeout = options.requestTimeoutMs ?? DYNAMO_TIMEOUTS.requestMs;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: process.env.AWS_REGION ?? 'local',
          ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        }
      : {}),
    maxAttempts: options.maxAttempts ?? DYNAMO_TIMEOUTS.maxAttempts,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? DYNAMO_TIMEOUTS.connectionMs,
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
