import { KeyConflictError, KeyNotFoundError } from '../shared/errors';
import { unmarshallItem, marshallRecord, type AttributeValue, type DynamoTransport, type Item } from './dynamo-json';
import type { KeyRecord, KeyStore, PlanFields } from './key-store';
import { planFieldsUpdate } from './plan-fields';
import { isConditionFailure, unavailable } from './store-failure';
import { KEYS_TABLE_SCHEMA } from './table-schema';

/**
 * The KeyStore on DynamoDB, over any {@link DynamoTransport}: the AWS SDK's client
 * (`DynamoKeyStore`: the key CLI, the local stack, the OAuth function) or the signed one
 * without the SDK (`SignedDynamoKeyStore`: the authorizer, for its cold start). One set of
 * requests, conditions and errors; both pass the same tests against the embedded DynamoDB.
 *
 * Items are unmarshalled here, never by the document client: a record written by other means
 * (a number beyond 2^53, a binary attribute) must still read, list, revoke and rotate.
 */
export class DynamoTableKeyStore implements KeyStore {
  constructor(
    private readonly transport: DynamoTransport,
    private readonly tableName: string,
  ) {}

  async getByDigest(digest: string): Promise<KeyRecord | undefined> {
    const out = await this.call<{ Item?: Item }>('GetItem', {
      TableName: this.tableName,
      Key: { digest: { S: digest } },
    });
    return out.Item && fromItem(out.Item);
  }

  async create(record: KeyRecord): Promise<void> {
    try {
      await this.transport.send('PutItem', {
        TableName: this.tableName,
        Item: marshallRecord(record as unknown as Record<string, unknown>),
        ConditionExpression: 'attribute_not_exists(digest)',
      });
    } catch (error) {
      if (isConditionFailure(error))
        throw new KeyConflictError('a key with this digest already exists', { cause: error });
      throw unavailable('PutItem', error);
    }
  }

  async getByKeyId(keyId: string): Promise<KeyRecord | undefined> {
    const out = await this.call<{ Items?: Item[] }>('Query', {
      TableName: this.tableName,
      IndexName: KEYS_TABLE_SCHEMA.keyIdIndex,
      KeyConditionExpression: 'keyId = :keyId',
      ExpressionAttributeValues: { ':keyId': { S: keyId } },
    });
    const item = out.Items?.[0];
    return item && fromItem(item);
  }

  async list(server?: string): Promise<KeyRecord[]> {
    const items: KeyRecord[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.call<{ Items?: Item[]; LastEvaluatedKey?: Item }>('Scan', {
        TableName: this.tableName,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...(server
          ? {
              FilterExpression: '#server = :server',
              ExpressionAttributeNames: { '#server': 'server' },
              ExpressionAttributeValues: { ':server': { S: server } },
            }
          : {}),
      });
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
      const out = await this.transport.send<{ Attributes?: Item }>('UpdateItem', {
        TableName: this.tableName,
        Key: { digest: { S: digest } },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(digest)',
        ...(values ? { ExpressionAttributeValues: values } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ReturnValues: 'ALL_NEW',
      });
      return fromItem(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) throw new KeyNotFoundError('no such key', { cause: error });
      throw unavailable('UpdateItem', error);
    }
  }

  private async call<T>(operation: 'GetItem' | 'Query' | 'Scan', input: Record<string, unknown>): Promise<T> {
    try {
      return await this.transport.send<T>(operation, input);
    } catch (error) {
      throw unavailable(operation, error);
    }
  }
}

function fromItem(item: Item): KeyRecord {
  return unmarshallItem(item) as unknown as KeyRecord;
}
