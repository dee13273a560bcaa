import { marshallRecord, unmarshallItem, type Item, type SignedDynamoClient } from '../keys/signed-dynamo-client';
import { accessTokenGet, asAccessToken, TokenStoreUnavailableError } from './access-token';
import type { AccessTokenItem } from './grants-schema';
import type { TokenStore } from './token-store';

/** What the authorizer reads of the grants table. */
export type TokenReader = Pick<TokenStore, 'getAccessToken'>;

/**
 * The authorizer's read of access tokens through {@link SignedDynamoClient}: the same GetItem,
 * projection and check as `DynamoTokenStore.getAccessToken`, without the AWS SDK.
 */
export class SignedTokenReader implements TokenReader {
  constructor(
    private readonly client: SignedDynamoClient,
    private readonly tableName: string,
  ) {}

  async getAccessToken(digestHex: string): Promise<AccessTokenItem | undefined> {
    const get = accessTokenGet(digestHex);
    let out: { Item?: Item };
    try {
      out = await this.client.send('GetItem', {
        TableName: this.tableName,
        ...get,
        Key: marshallRecord(get.Key),
      });
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TokenStoreUnavailableError(`grants table GetItem failed (${detail})`, { cause: error });
    }
    return asAccessToken(out.Item && unmarshallItem(out.Item));
  }
}
