import { createHash, timingSafeEqual } from 'node:crypto';
import { errors, type Adapter, type AdapterConstructor, type AdapterPayload } from 'oidc-provider';
import {
  marshallRecord,
  unmarshallItem,
  type DynamoOperation,
  type DynamoTransport,
  type Item,
} from '../keys/dynamo-json';
import { isConditionFailure } from '../keys/store-failure';
import { unavailable, UnboundTokenError } from './errors';
import { GRANTS_TABLE_SCHEMA } from './grants-schema';
import { OAUTH_TTL } from './lifetimes';

export interface GrantsAdapterOptions {
  /**
   * The way to DynamoDB: the signed client in the deployed function (no AWS SDK, for its cold
   * start), the AWS SDK's client in the local stack (`SdkDynamoTransport`).
   */
  readonly transport: DynamoTransport;
  readonly tableName: string;
  /** The mcp-gate server an access token's audience (a resource URI) names, or undefined. */
  readonly serverForResource: (resource: string) => string | undefined;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

/** How a client secret is kept: its SHA-256, so the table never holds one a client could use. */
const SECRET_HASH_PREFIX = 'sha256:';

/** SHA-256 hex of a value: the stored form of every id, token and code. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The stored form of a client secret. */
export function hashClientSecret(secret: string): string {
  return SECRET_HASH_PREFIX + sha256Hex(secret);
}

/** Compares a presented client secret with its stored hash, in constant time. */
export function clientSecretMatches(stored: string | undefined, presented: unknown): boolean {
  if (typeof stored !== 'string' || typeof presented !== 'string') return false;
  const expected = Buffer.from(stored, 'utf8');
  const actual = Buffer.from(hashClientSecret(presented), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The table item of one oidc-provider model instance. */
export function grantsItemId(model: string, id: string): string {
  return `${model}:${sha256Hex(id)}`;
}

interface StoredItem {
  readonly id: string;
  readonly payload: string;
  readonly expiresAt?: number;
  readonly consumed?: number;
  readonly grantId?: unknown;
}

/**
 * oidc-provider's storage on the grants table. Every model's id (tokens, codes, sessions,
 * interactions, grants, clients) is stored as `<Model>:<sha256 hex>`; the payload is kept as
 * JSON without its `jti` (the id itself), which `find` restores from its argument, so no item
 * holds a value that works as a credential. A client's secret is kept as its SHA-256.
 * AccessToken items also carry `keyId`, `server`, `clientId` and `expiresAt` at the top level
 * (the authorizer's one read); Grant items carry `keyId`, `grantId` and `expiresAt`, so a key's
 * grants are found through `keyId-index` and their tokens through `grantId-index`.
 */
export function createGrantsAdapter(options: GrantsAdapterOptions): AdapterConstructor {
  const { transport, tableName, clock } = options;
  const nowSeconds = () => Math.floor(clock() / 1000);

  async function send<T>(operation: DynamoOperation, input: Record<string, unknown>): Promise<T> {
    try {
      return await transport.send<T>(operation, { TableName: tableName, ...input });
    } catch (error) {
      throw unavailable(operation, error);
    }
  }

  async function getItem(key: { id: string }): Promise<StoredItem | undefined> {
    const out = await send<{ Item?: Item }>('GetItem', { Key: marshallRecord(key), ConsistentRead: true });
    return out.Item && (unmarshallItem(out.Item) as unknown as StoredItem);
  }

  async function deleteItem(id: string): Promise<void> {
    await send('DeleteItem', { Key: marshallRecord({ id }) });
  }

  /** Items of a grant, of one model or (prefix '') of all. */
  async function grantItemIds(grantId: string, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Item | undefined;
    do {
      const out = await send<{ Items?: Item[]; LastEvaluatedKey?: Item }>('Query', {
        IndexName: GRANTS_TABLE_SCHEMA.grantIdIndex,
        KeyConditionExpression: '#grantId = :grantId',
        ExpressionAttributeNames: { '#grantId': GRANTS_TABLE_SCHEMA.grantIdAttribute },
        ExpressionAttributeValues: marshallRecord({ ':grantId': grantId }),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
      for (const item of out.Items ?? []) {
        const id = unmarshallItem(item)[GRANTS_TABLE_SCHEMA.partitionKey];
        if (typeof id === 'string' && id.startsWith(prefix)) ids.push(id);
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }

  return class GrantsAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const stored: AdapterPayload = { ...payload };
      delete stored.jti;
      const lifetime = expiresIn ?? (this.model === 'Client' ? OAUTH_TTL.Client : undefined);
      const item: Record<string, unknown> = {
        id: grantsItemId(this.model, id),
        ...(lifetime ? { expiresAt: nowSeconds() + lifetime } : {}),
      };
      switch (this.model) {
        case 'Client':
          if (typeof stored.client_secret === 'string') stored.client_secret = hashClientSecret(stored.client_secret);
          break;
        case 'Interaction':
          // The browser session's cookie value: oidc-provider never reads it back.
          if (isRecord(stored.session)) stored.session = { ...stored.session, cookie: undefined };
          break;
        case 'Session':
          if (typeof payload.uid === 'string') item.uid = payload.uid;
          break;
        case 'Grant':
          item.grantId = id;
          if (typeof payload.accountId === 'string') item.keyId = payload.accountId;
          break;
        case 'AccessToken': {
          const server = typeof payload.aud === 'string' ? options.serverForResource(payload.aud) : undefined;
          if (!server || typeof payload.accountId !== 'string' || typeof payload.clientId !== 'string') {
            throw new UnboundTokenError('an access token must name a key, a client and an oauth server');
          }
          Object.assign(item, { keyId: payload.accountId, server, clientId: payload.clientId });
          break;
        }
      }
      if (this.model !== 'Grant' && typeof payload.grantId === 'string') item.grantId = payload.grantId;
      item.payload = JSON.stringify(stored);
      await send('PutItem', { Item: marshallRecord(item) });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const payload = this.live(await getItem({ id: grantsItemId(this.model, id) }));
      if (!payload) return undefined;
      return this.model === 'Client' ? payload : { ...payload, jti: id };
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const out = await send<{ Items?: Item[] }>('Query', {
        IndexName: GRANTS_TABLE_SCHEMA.uidIndex,
        KeyConditionExpression: '#uid = :uid',
        ExpressionAttributeNames: { '#uid': GRANTS_TABLE_SCHEMA.uidAttribute },
        ExpressionAttributeValues: marshallRecord({ ':uid': uid }),
      });
      const item = (out.Items ?? [])
        .map((candidate) => unmarshallItem(candidate) as unknown as StoredItem)
        .find((candidate) => String(candidate.id).startsWith(`${this.model}:`));
      // The session's own id is only its hash here: the caller reads the session, never saves it.
      return this.live(item);
    }

    async findByUserCode(): Promise<AdapterPayload | undefined> {
      return undefined;
    }

    /**
     * Marks a code or refresh token used, once: a second use (a replay, or the loser of two
     * concurrent exchanges) finds the condition false, ends the whole grant, and is refused.
     */
    async consume(id: string): Promise<void> {
      const key = { id: grantsItemId(this.model, id) };
      try {
        await transport.send('UpdateItem', {
          TableName: tableName,
          Key: marshallRecord(key),
          UpdateExpression: 'SET #consumed = :now',
          ConditionExpression: 'attribute_exists(#id) AND attribute_not_exists(#consumed)',
          ExpressionAttributeNames: { '#id': GRANTS_TABLE_SCHEMA.partitionKey, '#consumed': 'consumed' },
          ExpressionAttributeValues: marshallRecord({ ':now': nowSeconds() }),
        });
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw unavailable('UpdateItem', error);
      }
      const grantId = (await getItem(key))?.grantId;
      if (typeof grantId === 'string') await revokeGrant(grantId);
      throw new errors.InvalidGrant();
    }

    async destroy(id: string): Promise<void> {
      await deleteItem(grantsItemId(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const id of await grantItemIds(grantId, `${this.model}:`)) await deleteItem(id);
    }

    private live(item: StoredItem | undefined): AdapterPayload | undefined {
      if (!item || typeof item.payload !== 'string') return undefined;
      // DynamoDB removes expired items lazily, so an expired one may still be there.
      if (typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds()) return undefined;
      const payload = JSON.parse(item.payload) as AdapterPayload;
      return item.consumed === undefined ? payload : { ...payload, consumed: item.consumed };
    }
  };

  /** Every item of a grant, the grant included. */
  async function revokeGrant(grantId: string): Promise<void> {
    for (const id of await grantItemIds(grantId, '')) await deleteItem(id);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
