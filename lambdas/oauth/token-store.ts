import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  GetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { KeyGrants } from '../keys/key-service';
import { accessTokenGet, asAccessToken, TokenStoreUnavailableError } from './access-token';
import { GRANTS_TABLE_SCHEMA, type AccessTokenItem } from './grants-schema';

export { digestToken, TokenStoreUnavailableError } from './access-token';

/**
 * What the authorizer and the key CLI read and end of the OAuth grants: access tokens by the
 * digest of their value, and a key's grants. Implementations throw `TokenStoreUnavailableError`
 * when the table cannot answer.
 */
export interface TokenStore extends KeyGrants {
  /** The access token whose value has this SHA-256 hex digest, or undefined. One read. Expiry is the caller's check. */
  getAccessToken(digestHex: string): Promise<AccessTokenItem | undefined>;
  /** How many grants made from this key are live at `nowSeconds`. */
  countLiveGrants(keyId: string, nowSeconds: number): Promise<number>;
}

const GRANT_PREFIX = 'Grant:';

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

/** The TokenStore on the grants table (GRANTS_TABLE_SCHEMA). The client is injected, as the key store's. */
export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getAccessToken(digestHex: string): Promise<AccessTokenItem | undefined> {
    const out = await this.call('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, ...accessTokenGet(digestHex) })),
    );
    return asAccessToken(out.Item);
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
      (page) => (count += page.Count ?? 0),
    );
    return count;
  }

  async revokeGrantsOfKey(keyId: string): Promise<number> {
    // Every item made from the key carries its keyId; the items of its grants that may not (a
    // refresh token, a code) share their grantId, so both indexes are read before anything goes.
    const ids = new Set<string>();
    const grantIds = new Set<string>();
    let grants = 0;
    await this.queryKey(keyId, {}, (page) => {
      for (const item of page.Items ?? []) {
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
        (page) => {
          for (const item of page.Items ?? []) {
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
    extra: Partial<QueryCommandInput>,
    onPage: (page: { Items?: Record<string, unknown>[]; Count?: number }) => void,
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
    input: Omit<QueryCommandInput, 'TableName'>,
    onPage: (page: { Items?: Record<string, unknown>[]; Count?: number }) => void,
  ): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      onPage(page);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private async deleteAll(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 25) {
      let requests: WriteRequests = ids
        .slice(i, i + 25)
        .map((id) => ({ DeleteRequest: { Key: { [GRANTS_TABLE_SCHEMA.partitionKey]: id } } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= 5) throw new TokenStoreUnavailableError('grants table BatchWriteItem left items unprocessed');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const out = await this.call('BatchWriteItem', () =>
          this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })),
        );
        requests = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TokenStoreUnavailableError(`grants table ${operation} failed (${detail})`, { cause: error });
    }
  }
}
