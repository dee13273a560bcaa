import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { splitAuthCacheTtl } from '../../config/auth-cache';
import { servers } from '../../config/servers';
import { createDocumentClient } from '../keys/dynamo-client';
import { DynamoKeyStore } from '../keys/dynamo-key-store';
import { readKeyStoreSettings } from '../shared/env';
import { createLogger } from '../shared/logger';
import { KeyAuthorizer } from './authorizer';
import { parseAuthorizerEvent, type AuthorizerEvent } from './event';

const logger = createLogger('authorizer');
let core: KeyAuthorizer | undefined;

/** Built on the first event, then reused by every later one in this container. */
function authorizer(): KeyAuthorizer {
  if (!core) {
    const settings = readKeyStoreSettings();
    core = new KeyAuthorizer({
      store: new DynamoKeyStore(createDocumentClient({ endpoint: settings.endpoint }), settings.tableName),
      servers,
      logger,
      cacheTtlSeconds: splitAuthCacheTtl(settings.cacheTtlSeconds).lookupSeconds,
    });
  }
  return core;
}

/**
 * Lambda REQUEST authorizer for REST APIs (payload 1.0) and HTTP APIs (payload 2.0, IAM
 * policy responses). Throws `Unauthorized` for a missing, malformed, unknown, revoked or
 * expired key; any other error (the key store is down) makes API Gateway answer 500.
 */
export async function handler(event: AuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const request = parseAuthorizerEvent(event);
  if (!request) {
    logger.warn('authorization decided', { decision: 'unauthorized', reason: 'unrecognised-event' });
    throw new Error('Unauthorized');
  }
  const outcome = await authorizer().authorize(request);
  if ('unauthorized' in outcome) throw new Error('Unauthorized');
  return outcome.policy;
}
