/**
 * The authorizer as it was built on the AWS SDK (the document client and `DynamoKeyStore`):
 * a reference bundle for part 4, to compare with the deployed handler on the signed client.
 */
import { createAuthorizerHandler, type AuthorizerHandler } from '../lambdas/authorizer/handler';
import type { AuthorizerEvent } from '../lambdas/authorizer/event';
import { createDocumentClient } from '../lambdas/keys/dynamo-client';
import { DynamoKeyStore } from '../lambdas/keys/dynamo-key-store';

let built: AuthorizerHandler | undefined;

export function handler(event: AuthorizerEvent): ReturnType<AuthorizerHandler> {
  built ??= createAuthorizerHandler({
    store: new DynamoKeyStore(
      createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT }),
      process.env.KEYS_TABLE_NAME ?? '',
    ),
  });
  return built(event);
}
