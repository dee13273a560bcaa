import {
  marshallRecord,
  unmarshallItem,
  type DynamoOperation,
  type DynamoTransport,
  type Item,
} from '../keys/dynamo-json';
import { accessTokenGet, asAccessToken, TokenStoreUnavailableError } from './access-token';
import { GRANTS_TABLE_SCHEMA, type AccessTokenItem } from './grants-schema';
import type { TokenStore } from './token-store';

const GRANT_PREFIX = 'Grant:';

interface QueryInput {
  readonly IndexName: string;
  readonly KeyConditionExpression: string;
  readonly FilterExpression?: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  /** Plain values, marshalled here. */
  readonly ExpressionAttributeValues: Record<string, string | number>;
  readonly Select?: 'COUNT';
}

interface QueryPage {
  readonly Items?: Item[];
  readonly Count?: number;
  readonly LastEvaluatedKey?: Item;
}

/**
 * The TokenStore on the grants table (GRANTS_TABLE_SCHEMA), over any {@link DynamoTransport}:
 * the AWS SDK's client (`DynamoTokenStore`: the key CLI, the local stack) or the signed one
 * without the SDK (`SignedTokenReader`: the authorizer, for its cold start). One set of
 * requests and errors, as the key store's two transports share `DynamoTableKeyStore`.
 */
export class GrantsTableTokenStore implements TokenStore {
  constructor(
    private readonly transport: DynamoTransport,
    private readonly tableName: string,
  ) {}

  async getAccessToken(digestHex: string): Promise<AccessTokenItem | undefined> {
    const get = accessTokenGet(digestHex);
    const out = await this.call<{ Item?: Item }>('GetItem', {
      TableName: this.tableName,
      ...get,
      Key: marshallRecord(get.Key),
    });
    return asAccessToken(out.Item && unmarshallItem(out.Item));
  }

  async countLiveGrants(keyId: string, nowSeconds: number): Promise<number> {
    let count = 0;
    await this.queryKey(
      keyId,
      {
        FilterExpression: 'begins_with(#id, :grant) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
        ExpressionAttributeNames: { '#id': GRANTS_TABLE_SCHEMA.partitionKey },
        ExpressionAttributeValues: { ':grant': GRANT_PREFIX, ':now': nowSeconds },
        Select: 'COUNT',
      },
      (_items, page) => (count += page.Count ?? 0),
    );
    return count;
  }

  async revokeGrantsOfKey(keyId: string): Promise<number> {
    // Every item made from the key carries its keyId; the items of its grants that may not (a
    // refresh token, a code) share their grantId, so both indexes are read before anything goes.
    const ids = new Set<string>();
    const grantIds = new Set<string>();
    let grants = 0;
    await this.queryKey(keyId, {}, (items) => {
      for (const item of items) {
        const id = item[GRANTS_TABLE_SCHEMA.partitionKey];
        if (typeof id !== 'string') continue;
        ids.add(id);
        if (id.startsWith(GRANT_PREFIX)) grants++;
        const grantId = item[GRANTS_TABLE_SCHEMA.grantIdAttribute];
        if (typeof grantId === 'string' && grantId !== '') grantIds.add(grantId);
      }
    });
    for (const grantId of grantIds) {
      await this.queryAll(
        {
          IndexName: GRANTS_TABLE_SCHEMA.grantIdIndex,
          KeyConditionExpression: '#grantId = :grantId',
          ExpressionAttributeNames: { '#grantId': GRANTS_TABLE_SCHEMA.grantIdAttribute },
          ExpressionAttributeValues: { ':grantId': grantId },
        },
        (items) => {
          for (const item of items) {
            const id = item[GRANTS_TABLE_SCHEMA.partitionKey];
            if (typeof id === 'string') ids.add(id);
          }
        },
      );
    }
    await this.deleteAll([...ids]);
    return grants;
  }

  private queryKey(
    keyId: string,
    extra: Partial<QueryInput>,
    onPage: (items: Record<string, unknown>[], page: QueryPage) => void,
  ): Promise<void> {
    return this.queryAll(
      {
        IndexName: GRANTS_TABLE_SCHEMA.keyIdIndex,
        KeyConditionExpression: '#keyId = :keyId',
        ...extra,
        ExpressionAttributeNames: { '#keyId': GRANTS_TABLE_SCHEMA.keyIdAttribute, ...extra.ExpressionAttributeNames },
        ExpressionAttributeValues: { ':keyId': keyId, ...extra.ExpressionAttributeValues },
      },
      onPage,
    );
  }

  private async queryAll(
    input: QueryInput,
    onPage: (items: Record<string, unknown>[], page: QueryPage) => void,
  ): Promise<void> {
    let startKey: Item | undefined;
    do {
      const page = await this.call<QueryPage>('Query', {
        TableName: this.tableName,
        ...input,
        ExpressionAttributeValues: marshallRecord(input.ExpressionAttributeValues),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      onPage((page.Items ?? []).map(unmarshallItem), page);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async deleteAll(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 25) {
      let requests: unknown[] = ids
        .slice(i, i + 25)
        .map((id) => ({ DeleteRequest: { Key: marshallRecord({ [GRANTS_TABLE_SCHEMA.partitionKey]: id }) } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= 5) throw new TokenStoreUnavailableError('grants table BatchWriteItem left items unprocessed');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await this.call<{ UnprocessedItems?: Record<string, unknown[]> }>('BatchWriteItem', {
          RequestItems: { [this.tableName]: requests },
        });
        requests = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  private async call<T>(operation: DynamoOperation, input: Record<string, unknown>): Promise<T> {
    try {
      return await this.transport.send<T>(operation, input);
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TokenStoreUnavailableError(`grants table ${operation} failed (${detail})`, { cause: error });
    }
  }
}
