import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { KeyConflictError, KeyNotFoundError, KeyStoreUnavailableError } from '../shared/errors';
import type { KeyRecord, KeyStore } from './key-store';
import { KEYS_TABLE_SCHEMA } from './table-schema';

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The KeyStore on DynamoDB. The client is injected, so tests and the local stack point it anywhere. */
export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getByDigest(digest: string): Promise<KeyRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { digest } })),
    );
    return out.Item as KeyRecord | undefined;
  }

  async create(record: KeyRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(digest)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error))
        throw new KeyConflictError('a key with this digest already exists', { cause: error });
      throw unavailable('PutItem', error);
    }
  }

  async getByKeyId(keyId: string): Promise<KeyRecord | undefined> {
    const out = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: KEYS_TABLE_SCHEMA.keyIdIndex,
          KeyConditionExpression: 'keyId = :keyId',
          ExpressionAttributeValues: { ':keyId': keyId },
        }),
      ),
    );
    return out.Items?.[0] as KeyRecord | undefined;
  }

  async list(server?: string): Promise<KeyRecord[]> {
    const items: KeyRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Scan', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ExclusiveStartKey: startKey,
            ...(server
              ? {
                  FilterExpression: '#server = :server',
                  ExpressionAttributeNames: { '#server': 'server' },
                  ExpressionAttributeValues: { ':server': server },
                }
              : {}),
          }),
        ),
      );
      items.push(...((out.Items ?? []) as KeyRecord[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  revoke(digest: string, at: Date): Promise<KeyRecord> {
    return this.update(
      digest,
      'SET #status = :revoked, revokedAt = :at',
      {
        ':revoked': 'revoked',
        ':at': at.toISOString(),
      },
      { '#status': 'status' },
    );
  }

  setExpiry(digest: string, expiresAt: number): Promise<KeyRecord> {
    return this.update(digest, 'SET expiresAt = :expiresAt', { ':expiresAt': expiresAt });
  }

  async touch(digest: string, at: Date): Promise<void> {
    try {
      await this.update(digest, 'SET lastUsedAt = :at', { ':at': at.toISOString() });
    } catch (error) {
      if (error instanceof KeyNotFoundError) return;
      throw error;
    }
  }

  private async update(
    digest: string,
    expression: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<KeyRecord> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { digest },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(digest)',
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as KeyRecord;
    } catch (error) {
      if (isConditionFailure(error)) throw new KeyNotFoundError('no such key', { cause: error });
      throw unavailable('UpdateItem', error);
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw unavailable(operation, error);
    }
  }
}

function unavailable(operation: string, error: unknown): KeyStoreUnavailableError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new KeyStoreUnavailableError(`key store ${operation} failed (${detail})`, { cause: error });
}

/**
 * Creates the keys table with the deployed table's key schema if it does not exist
 * (the local stack and the tests; the CDK stack creates the real one).
 */
export async function ensureKeysTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException'))
      throw unavailable('DescribeTable', error);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: KEYS_TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: KEYS_TABLE_SCHEMA.keyIdAttribute, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: KEYS_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: KEYS_TABLE_SCHEMA.keyIdIndex,
            KeySchema: [{ AttributeName: KEYS_TABLE_SCHEMA.keyIdAttribute, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    for (let waited = 0; waited < 30_000; waited += 50) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceInUseException') return;
    throw unavailable('CreateTable', error);
  }
}
