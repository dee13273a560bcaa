import { DynamoTableKeyStore } from './dynamo-table-key-store';
import type { SignedDynamoClient } from './signed-dynamo-client';

/**
 * The KeyStore on DynamoDB through {@link SignedDynamoClient}: the same store as
 * `DynamoKeyStore`, without the AWS SDK. The authorizer runs on it (its cold start).
 */
export class SignedDynamoKeyStore extends DynamoTableKeyStore {
  constructor(client: SignedDynamoClient, tableName: string) {
    super(client, tableName);
  }
}
