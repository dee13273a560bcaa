import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { routeGlob } from '../../config/routes';
import type { AuthMode } from '../../config/types';

/** Every method a route may be called with; listed so a wildcard never spans path segments. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const ARN = /^(arn:[a-z-]+:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+)\/([^/]+)\//;

/**
 * The `arn:…:apiId/stage` prefix of a method or route ARN, or undefined if the ARN has
 * another shape (then the caller denies).
 */
export function arnPrefix(arn: string): string | undefined {
  const match = ARN.exec(arn);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * Allow `execute-api:Invoke` on exactly the given server's routes, all methods, on the API
 * and stage of the request. It depends on the key alone, never on the request's route, so a
 * result API Gateway caches is right for every later request with the same key: a key of
 * server A reaches A's routes and nothing else, cached or not. `usageIdentifierKey` (the
 * value of the key's API Gateway API key) puts the request under the key's usage plan.
 */
export function allowPolicy(
  prefix: string,
  routes: readonly string[],
  principalId: string,
  context: { server: string; keyId: string; authMode: AuthMode },
  usageIdentifierKey?: string,
): APIGatewayAuthorizerResult {
  const resources = routes.flatMap((route) => METHODS.map((method) => `${prefix}/${method}${routeGlob(route)}`));
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }],
    },
    context: { ...context },
    ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }),
  };
}

/**
 * Deny `execute-api:Invoke` on everything of the request's API and stage (API Gateway answers
 * 403). Its context names the key as an Allow's would, for the access log.
 */
export function denyPolicy(
  prefix: string,
  principalId: string,
  context: { server: string; keyId: string; authMode: AuthMode },
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${prefix}/*`] }],
    },
    context: { ...context },
  };
}
