import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableIfMissing } from '../shared/dynamo-tables';
import { unavailable } from './errors';
import { GRANTS_TABLE_SCHEMA } from './grants-schema';

/**
 * Creates the grants table with the deployed table's key schema and indexes if it does not
 * exist (the local stack and the tests; a stack creates the real one). True when it created it.
 */
export function ensureGrantsTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  return createTableIfMissing(
    client,
    {
      tableName,
      partitionKey: GRANTS_TABLE_SCHEMA.partitionKey,
      indexes: [
        { name: GRANTS_TABLE_SCHEMA.grantIdIndex, attribute: GRANTS_TABLE_SCHEMA.grantIdAttribute },
        { name: GRANTS_TABLE_SCHEMA.uidIndex, attribute: GRANTS_TABLE_SCHEMA.uidAttribute },
        { name: GRANTS_TABLE_SCHEMA.keyIdIndex, attribute: GRANTS_TABLE_SCHEMA.keyIdAttribute },
      ],
    },
    unavailable,
  );
}
