import type { EmbeddedDynamo } from '../../local/dynalite';

/**
 * Points the real authorizer handler at `dynamo`, with its caches off. The handler reads these
 * on its first event, so call this before that.
 */
export function pointHandlersAt(dynamo: EmbeddedDynamo): void {
  process.env.KEYS_TABLE_NAME = dynamo.tableName;
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.AUTH_CACHE_TTL_SECONDS = '0';
}
