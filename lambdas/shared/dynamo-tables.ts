import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A table as the local stack and the tests create it: string keys, on-demand, one attribute per index. */
export interface TableShape {
  readonly tableName: string;
  readonly partitionKey: string;
  readonly indexes: readonly { readonly name: string; readonly attribute: string }[];
}

/** Turns an SDK failure of `operation` into the store's own outage error. */
export type StoreFailure = (operation: string, error: unknown) => Error;

/** Whether the table exists (any status); other failures are the store's outage. */
export async function tableExists(client: DynamoDBClient, tableName: string, fail: StoreFailure): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
    throw fail('DescribeTable', error);
  }
}

/**
 * Creates the table with the deployed table's key schema and indexes unless it exists (the
 * local stack and the tests; the stacks create the real ones), and waits until it is active.
 * True when it created it.
 */
export async function createTableIfMissing(
  client: DynamoDBClient,
  shape: TableShape,
  fail: StoreFailure,
): Promise<boolean> {
  const { tableName } = shape;
  if (await tableExists(client, tableName, fail)) return false;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [shape.partitionKey, ...shape.indexes.map((index) => index.attribute)].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [{ AttributeName: shape.partitionKey, KeyType: 'HASH' }],
        // DynamoDB refuses an empty list: a table without indexes names none.
        GlobalSecondaryIndexes:
          shape.indexes.length === 0
            ? undefined
            : shape.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [{ AttributeName: index.attribute, KeyType: 'HASH' }],
                Projection: { ProjectionType: 'ALL' },
              })),
      }),
    );
    for (let waited = 0; waited < 30_000; waited += 50) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceInUseException') return false;
    throw fail('CreateTable', error);
  }
}
