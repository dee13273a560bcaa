import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DYNAMO_TIMEOUTS, type DynamoClientOptions } from './dynamo-timeouts';

export { DYNAMO_TIMEOUTS, type DynamoClientOptions } from './dynamo-timeouts';

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
