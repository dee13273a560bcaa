/**
 * The deployed authorizer with Powertools for AWS Lambda's Logger in place of its own JSON logger
 * (the same lines, plus Powertools' standard fields from the Lambda context): a reference bundle
 * for part 4, measuring what that logger adds to the cold start.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { splitAuthCacheTtl } from '../config/auth-cache';
import { createAuthorizerHandler, type AuthorizerHandler } from '../lambdas/authorizer/handler';
import type { AuthorizerEvent } from '../lambdas/authorizer/event';
import { SignedDynamoClient } from '../lambdas/keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../lambdas/keys/signed-key-store';
import { readKeyStoreSettings } from '../lambdas/shared/env';
import type { Logger } from '../lambdas/shared/logger';

const powertools = new PowertoolsLogger({ serviceName: 'authorizer' });
const logger: Logger = {
  debug: (message, fields) => powertools.debug(message, fields ?? {}),
  info: (message, fields) => powertools.info(message, fields ?? {}),
  warn: (message, fields) => powertools.warn(message, fields ?? {}),
  error: (message, fields) => powertools.error(message, fields ?? {}),
};

let built: AuthorizerHandler | undefined;

export function handler(event: AuthorizerEvent, context: Context): ReturnType<AuthorizerHandler> {
  powertools.addContext(context);
  if (!built) {
    const settings = readKeyStoreSettings();
    built = createAuthorizerHandler({
      store: new SignedDynamoKeyStore(new SignedDynamoClient({ endpoint: settings.endpoint }), settings.tableName),
      cacheTtlSeconds: splitAuthCacheTtl(settings.cacheTtlSeconds).lookupSeconds,
      logger,
    });
  }
  return built(event);
}
