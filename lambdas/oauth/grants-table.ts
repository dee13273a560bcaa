import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GrantsStoreUnavailableError } from './errors';
import { GRANTS_TABLE_SCHEMA } from './grants-schema';

/**
 * Creates the grants table with the deployed table's key schema and indexes if it does not
 * exist (the local stack and the tests; a stack creates the real one). True when it created it.
 */
export async function ensureGrantsTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException'))
      throw unavailable('DescribeTable', error);
  }
  const index = (name: string, attribute: string) => ({
    IndexName: name,
    KeySchema: [{ AttributeName: attribute, KeyType: 'HASH' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          GRANTS_TABLE_SCHEMA.partitionKey,
          GRANTS_TABLE_SCHEMA.grantIdAttribute,
          GRANTS_TABLE_SCHEMA.uidAttribute,
          GRANTS_TABLE_SCHEMA.keyIdAttribute,
        ].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: GRANTS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          index(GRANTS_TABLE_SCHEMA.grantIdIndex, GRANTS_TABLE_SCHEMA.grantIdAttribute),
          index(GRANTS_TABLE_SCHEMA.uidIndex, GRANTS_TABLE_SCHEMA.uidAttribute),
          index(GRANTS_TABLE_SCHEMA.keyIdIndex, GRANTS_TABLE_SCHEMA.keyIdAttribute),
        ],
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
    throw unavailable('CreateTable', error);
  }
}

export function unavailable(operation: string, error: unknown): GrantsStoreUnavailableError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new GrantsStoreUnavailableError(`grants store ${operation} failed (${detail})`, { cause: error });
}
