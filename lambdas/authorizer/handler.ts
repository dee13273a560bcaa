import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { splitAuthCacheTtl } from '../../config/auth-cache';
import { servers as configuredServers } from '../../config/servers';
import type { ResolvedServer } from '../../config/types';
import type { KeyStore } from '../keys/key-store';
import { SignedDynamoClient } from '../keys/signed-dynamo-client';
import { SignedDynamoKeyStore } from '../keys/signed-key-store';
import { SignedTokenReader, type TokenReader } from '../oauth/signed-token-reader';
import { optionalEnv, readKeyStoreSettings } from '../shared/env';
import { createLogger, type Logger } from '../shared/logger';
import { beginInvocation } from '../shared/invocation';
import { AuthorizerCore, type Clock } from './authorizer';
import { recordDecision } from './decision-metrics';
import { requestIdOf } from '../shared/api-gateway-event';
import { parseAuthorizerEvent, type AuthorizerEvent } from './event';

export interface AuthorizerHandlerOptions {
  readonly store: KeyStore;
  /** @default the servers of config/servers.ts */
  readonly servers?: readonly ResolvedServer[];
  /** @default a JSON logger to stdout, service `authorizer` */
  readonly logger?: Logger;
  /** @default Date.now */
  readonly clock?: Clock;
  /** The in-memory lookup cache's TTL (its half of `AUTH_CACHE_TTL_SECONDS`); 0 turns it off. @default 0 */
  readonly cacheTtlSeconds?: number;
  /** Smallest interval between two `lastUsedAt` writes for one key. @default 60 */
  readonly touchIntervalSeconds?: number;
  /** The OAuth access tokens of `oauth` servers. @default none: tokens are refused, keys still work */
  readonly tokens?: TokenReader;
}

/** The Lambda handler, with the core it runs on (its lookup cache, and `settle()` for pending writes). */
export interface AuthorizerHandler {
  (event: AuthorizerEvent): Promise<APIGatewayAuthorizerResult>;
  readonly core: AuthorizerCore;
}

/**
 * A Lambda REQUEST authorizer for REST APIs (payload 1.0) and HTTP APIs (payload 2.0, IAM
 * policy responses): parses the event, asks the core, answers its policy. Throws
 * `Unauthorized` for a missing, malformed, unknown, revoked or expired key; any other error
 * (the key store is down) makes API Gateway answer 500.
 */
export function createAuthorizerHandler(options: AuthorizerHandlerOptions): AuthorizerHandler {
  const logger = options.logger ?? createLogger('authorizer');
  const core = new AuthorizerCore({
    store: options.store,
    servers: options.servers ?? configuredServers,
    logger,
    clock: options.clock,
    cacheTtlSeconds: options.cacheTtlSeconds ?? 0,
    touchIntervalSeconds: options.touchIntervalSeconds,
    tokens: options.tokens,
  });
  // Named `handler` so CPU profiles of the local stack name it as they name the entry point.
  const handler = async function handler(event: AuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
    beginInvocation('authorizer');
    const request = parseAuthorizerEvent(event);
    if (!request) {
      logger.warn('authorization decided', {
        requestId: requestIdOf(event),
        decision: 'unauthorized',
        reason: 'unrecognised-event',
      });
      recordDecision(undefined, 'unauthorized', 'unrecognised-event', requestIdOf(event));
      throw new Error('Unauthorized');
    }
    const outcome = await core.authorize(request);
    if ('unauthorized' in outcome) throw new Error('Unauthorized');
    return outcome.policy;
  };
  return Object.assign(handler, { core });
}

/**
 * The handler a Lambda container builds from its environment: `KEYS_TABLE_NAME`,
 * `DYNAMODB_ENDPOINT` (AWS when unset), `AUTH_CACHE_TTL_SECONDS` and, for `oauth` servers'
 * access tokens, `GRANTS_TABLE_NAME` (unset: tokens are refused). Throws `ConfigError`
 * naming a missing or invalid variable.
 */
export function authorizerHandlerFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AuthorizerHandler {
  const settings = readKeyStoreSettings(env);
  const grantsTable = optionalEnv('GRANTS_TABLE_NAME', env);
  // The signed client, not the AWS SDK: loading the SDK would dominate the function's cold start.
  const client = new SignedDynamoClient({ endpoint: settings.endpoint, env });
  return createAuthorizerHandler({
    store: new SignedDynamoKeyStore(client, settings.tableName),
    tokens: grantsTable === undefined ? undefined : new SignedTokenReader(client, grantsTable.trim()),
    cacheTtlSeconds: splitAuthCacheTtl(settings.cacheTtlSeconds).lookupSeconds,
  });
}

let fromEnvironment: AuthorizerHandler | undefined;

/**
 * The Lambda entry point: its handler is built from the environment on the first event (so
 * loading the module stays cheap, and a missing variable fails that event, naming it), then
 * reused by every later one in this container.
 */
export async function handler(event: AuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  fromEnvironment ??= authorizerHandlerFromEnv();
  return fromEnvironment(event);
}
