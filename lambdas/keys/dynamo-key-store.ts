import {
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createTableIfMissing, tableExists } from '../shared/dynamo-tables';
import { KeyConflictError, KeyNotFoundError } from '../shared/errors';
import type { KeyRecord, KeyStore, PlanFields } from './key-store';
import { isConditionFailure, unavailable } from './store-failure';
import { planFieldsUpdate } from './plan-fields';
import { KEYS_TABLE_SCHEMA } from './table-schema';

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

  // The management reads and updates below unmarshal items themselves: a record written by other
  // means (a number beyond 2^53, a binary attribute) must still list, revoke and rotate, where the
  // document client would refuse the whole answer.
  async getByKeyId(keyId: string): Promise<KeyRecord | undefined> {
    const out = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: KEYS_TABLE_SCHEMA.keyIdIndex,
          KeyConditionExpression: 'keyId = :keyId',
          ExpressionAttributeValues: { ':keyId': { S: keyId } },
        }),
      ),
    );
    const item = out.Items?.[0];
    return item && fromItem(item);
  }

  async list(server?: string): Promise<KeyRecord[]> {
    const items: KeyRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
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
                  ExpressionAttributeValues: { ':server': { S: server } },
                }
              : {}),
          }),
        ),
      );
      items.push(...(out.Items ?? []).map(fromItem));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    const created = (record: KeyRecord) => String((record.createdAt as unknown) ?? '');
    return items.sort((a, b) => created(a).localeCompare(created(b)));
  }

  revoke(digest: string, at: Date): Promise<KeyRecord> {
    return this.update(
      digest,
      'SET #status = :revoked, revokedAt = :at',
      { ':revoked': { S: 'revoked' }, ':at': { S: at.toISOString() } },
      { '#status': 'status' },
    );
  }

  setExpiry(digest: string, expiresAt: number): Promise<KeyRecord> {
    return this.update(digest, 'SET expiresAt = :expiresAt', { ':expiresAt': { N: String(expiresAt) } });
  }

  setPlanFields(digest: string, fields: PlanFields): Promise<KeyRecord> {
    const { expression, values, names } = planFieldsUpdate(fields);
    return this.update(digest, expression, values, names);
  }

  async touch(digest: string, at: Date): Promise<void> {
    try {
      await this.update(digest, 'SET lastUsedAt = :at', { ':at': { S: at.toISOString() } });
    } catch (error) {
      if (error instanceof KeyNotFoundError) return;
      throw error;
    }
  }

  private async update(
    digest: string,
    expression: string,
    values: Record<string, AttributeValue> | undefined,
    names?: Record<string, string>,
  ): Promise<KeyRecord> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { digest: { S: digest } },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(digest)',
          ExpressionAttributeValues: values,
          ExpressionAttributeNames: names,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes ?? {});
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

/**
 * A DynamoDB item as a plain object that never fails to convert: numbers become JavaScript
 * numbers (possibly rounded; `Infinity` past the double range) where the document client would
 * refuse the whole answer.
 */
function fromItem(item: Record<string, AttributeValue>): KeyRecord {
  return unmarshall(item, { wrapNumbers: Number }) as KeyRecord;
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
