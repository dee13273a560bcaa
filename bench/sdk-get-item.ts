/**
 * The least any authorizer built on the AWS SDK pays at a cold start: the DynamoDB client alone
 * (no document client) making one `GetItem`. A reference bundle for part 4, not a handler.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

let client: DynamoDBClient | undefined;

export async function handler(): Promise<{ found: boolean }> {
  client ??= new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const out = await client.send(
    new GetItemCommand({
      TableName: process.env.KEYS_TABLE_NAME,
      Key: { digest: { S: process.env.BENCH_DIGEST ?? '' } },
    }),
  );
  return { found: out.Item !== undefined };
}
