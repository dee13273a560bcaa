import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GRANTS_TABLE_SCHEMA } from '../../lambdas/oauth/grants-schema';

/** The grants table as GRANTS_TABLE_SCHEMA describes it, every index projecting all attributes. */
export async function createGrantsTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  const index = (name: string, attribute: string) => ({
    IndexName: name,
    KeySchema: [{ AttributeName: attribute, KeyType: 'HASH' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  });
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
}
