import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  /** A DynamoDB-compatible endpoint (the embedded one locally); AWS when undefined. */
  readonly endpoint?: string;
  /** Milliseconds to wait for a connection and for an answer before the store counts as down. @default 1000 / 3000 */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** @default 2 */
  readonly maxAttempts?: number;
}

/**
 * A document client, built once per container. With an endpoint and no AWS credentials in
 * the environment it signs with placeholder credentials: local stores accept any.
 */
export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: process.env.AWS_REGION ?? 'local',
          ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        }
      : {}),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 1000,
      requestTimeout: options.requestTimeoutMs ?? 3000,
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
