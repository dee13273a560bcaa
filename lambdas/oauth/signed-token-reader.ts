import type { SignedDynamoClient } from '../keys/signed-dynamo-client';
import { GrantsTableTokenStore } from './grants-token-store';
import type { TokenStore } from './token-store';

/** What the authorizer reads of the grants table. */
export type TokenReader = Pick<TokenStore, 'getAccessToken'>;

/**
 * The authorizer's read of access tokens through {@link SignedDynamoClient}: the grants table's
 * token store (the same GetItem, projection and check as `DynamoTokenStore`), without the AWS SDK.
 */
export class SignedTokenReader extends GrantsTableTokenStore implements TokenReader {
  constructor(client: SignedDynamoClient, tableName: string) {
    super(client, tableName);
  }
}
