import { createServer } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ResolvedServer } from '../../../config/types';
import type { AuthorizerCore } from '../../../lambdas/authorizer/authorizer';
import { createAuthorizerHandler } from '../../../lambdas/authorizer/handler';
import type { KeyStore } from '../../../lambdas/keys/key-store';
import type { Logger } from '../../../lambdas/shared/logger';
import { createLocalGateway, type ProxyFunction } from '../../../local/gateway';
import { close, listen } from '../../../local/listen';

export interface CustomGatewayOptions {
  readonly servers: readonly ResolvedServer[];
  readonly store: KeyStore;
  readonly logger: Logger;
  /** Both caches: API Gateway's result cache and the authorizer's lookup cache. */
  readonly cacheTtlSeconds: number;
  readonly integration: ProxyFunction;
}

export interface CustomGateway {
  readonly baseUrl: string;
  readonly authorizer: AuthorizerCore;
  readonly cacheSize: () => number;
  close(): Promise<void>;
}

/**
 * The local gateway (REST API stage emulation) on 127.0.0.1 for any server list, with the
 * real authorizer handler built for these servers.
 */
export async function startCustomGateway(options: CustomGatewayOptions): Promise<CustomGateway> {
  const handler = createAuthorizerHandler({
    store: options.store,
    servers: options.servers,
    logger: options.logger,
    cacheTtlSeconds: options.cacheTtlSeconds,
  });
  const gateway = createLocalGateway({
    servers: options.servers,
    cacheTtlSeconds: options.cacheTtlSeconds,
    logger: options.logger,
    integration: options.integration,
    loadAuthorizer: async () => handler,
  });
  const http = createServer(gateway.listener);
  const port = await listen(http, 0, 'PORT');
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    authorizer: handler.core,
    cacheSize: gateway.cacheSize,
    close: () => close(http),
  };
}

/** An integration that answers 200 with the route and the authorizer context it received, as API Gateway passed it. */
export async function echoContext(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const context = (event.requestContext as { authorizer?: Record<string, string> | null }).authorizer ?? null;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resource: event.resource, context }),
  };
}
