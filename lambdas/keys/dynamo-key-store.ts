import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableIfMissing, tableExists } from '../shared/dynamo-tables';
import { DynamoTableKeyStore } from './dynamo-table-key-store';
import { SdkDynamoTransport } from './sdk-dynamo-transport';
import { unavailable } from './store-failure';
import { KEYS_TABLE_SCHEMA } from './table-schema';

/**
 * The KeyStore on DynamoDB through the AWS SDK's client (dynamo-client.ts): the key CLI, the
 * local stack, the OAuth function. The client is injected, so tests and the local stack point it anywhere.
 */
export class DynamoKeyStore extends DynamoTableKeyStore {
  constructor(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string) {
    super(new SdkDynamoTransport(client), tableName);
  }
}

/** Whether the table exists (any status); other failures throw `KeyStoreUnavailableError`. */
export function keysTableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  return tableExists(client, tableName, unavailable);
}

/**
 * Creates the keys table with the deployed table's key schema if it does not exist
 * (the local stack and the tests; the CDK stack creates the real one). True when it created it.
 */
export function ensureKeysTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  return createTableIfMissing(
    client,
    {
      tableName,
      partitionKey: KEYS_TABLE_SCHEMA.partitionKey,
      indexes: [{ name: KEYS_TABLE_SCHEMA.keyIdIndex, attribute: KEYS_TABLE_SCHEMA.keyIdAttribute }],
    },
    unavailable,
  );
}
