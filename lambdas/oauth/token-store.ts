import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeyGrants } from '../keys/key-service';
import { SdkDynamoTransport } from '../keys/sdk-dynamo-transport';
import type { AccessTokenItem } from './grants-schema';
import { GrantsTableTokenStore } from './grants-token-store';

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

/**
 * The TokenStore on the grants table through the AWS SDK's client (the key CLI, the local
 * stack). The client is injected, as the key store's.
 */
export class DynamoTokenStore extends GrantsTableTokenStore {
  constructor(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string) {
    super(new SdkDynamoTransport(client), tableName);
  }
}
