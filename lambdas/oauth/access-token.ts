import { createHash } from 'node:crypto';
import { KeyStoreUnavailableError } from '../shared/errors';
import { accessTokenItemId, GRANTS_TABLE_SCHEMA, type AccessTokenItem } from './grants-schema';

/**
 * What the authorizer reads of the grants table, apart from any DynamoDB client: the item of
 * an access token, its projection and its check (grants-token-store.ts, on either transport).
 */

/** The grants table could not answer (outage, throttling, timeout). Never a denial. */
export class TokenStoreUnavailableError extends KeyStoreUnavailableError {}

/** SHA-256 hex of a bearer token's value: what its item id carries (the value itself is never stored). */
export function digestToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The GetItem of an access token by the digest of its value, without table name and client. */
export function accessTokenGet(digestHex: string) {
  return {
    Key: { [GRANTS_TABLE_SCHEMA.partitionKey]: accessTokenItemId(digestHex) },
    ProjectionExpression: '#id, keyId, #server, clientId, expiresAt',
    ExpressionAttributeNames: { '#id': 'id', '#server': 'server' },
  };
}

/** An item with every attribute the authorizer needs, of the right type; anything else counts as no token. */
export function asAccessToken(item: Record<string, unknown> | undefined): AccessTokenItem | undefined {
  if (!item) return undefined;
  const { id, keyId, server, clientId, expiresAt } = item;
  if (typeof id !== 'string' || typeof keyId !== 'string' || typeof server !== 'string') return undefined;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  return { id, keyId, server, clientId: typeof clientId === 'string' ? clientId : '', expiresAt };
}
